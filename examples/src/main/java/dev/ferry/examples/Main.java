package dev.ferry.examples;

import dev.ferry.examples.api.ApiApp;
import dev.ferry.examples.deploy.DeployApp;
import dev.ferry.examples.hello.HelloApp;
import dev.ferry.examples.json.PetsApp;
import dev.ferry.examples.todo.TodoApp;
import java.util.Locale;

/**
 * Runs one of the examples: {@code java -jar ferry-examples.jar hello}. The examples jar holds every
 * server, so unless {@code ferry.server} / {@code FERRY_SERVER} chooses one, the dev server runs.
 */
public final class Main {

    private static final String USAGE = """
            usage: java -jar ferry-examples.jar <example>

            examples:
              hello    GET / and /plaintext, /json, /hello/{name}, POST /echo, GET /boom
              deploy   the app of the deployment recipe (GET /whoami)
              pets     a JSON pet store: GET and POST /pets, GET /pets/{id}, POST /pets/batch
              api      a JSON API: request ids, a caller as a request attribute, JSON errors
              events   server-sent events (GET /clock) with CORS and gzip, for pages of http://localhost:3000
              todo     a todo list: JSON API, a live page over Server-Sent Events, uploads, CORS

            settings (system property or environment variable):
              ferry.server / FERRY_SERVER   dev, undertow, netty or tomcat. This jar holds every server,
                                            so it runs the dev server when none is chosen.
              ferry.port / FERRY_PORT       the port, 8080 by default; 0 picks any free port
              ferry.host / FERRY_HOST       the address to bind; the dev server binds 127.0.0.1 by default
            """;

    private Main() {
    }

    /** Runs the example named by the one argument. */
    public static void main(String[] args) {
        if (args.length != 1 || args[0].startsWith("-")) {
            System.err.print(USAGE);
            System.exit(args.length == 1 && (args[0].equals("-h") || args[0].equals("--help")) ? 0 : 2);
            return;
        }
        if (System.getProperty("ferry.server") == null && blank(System.getenv("FERRY_SERVER"))) {
            System.setProperty("ferry.server", "dev");
        }
        switch (args[0].toLowerCase(Locale.ROOT)) {
            case "hello" -> HelloApp.main(new String[0]);
            case "deploy" -> DeployApp.main(new String[0]);
            case "pets" -> PetsApp.main(new String[0]);
            case "api" -> ApiApp.main(new String[0]);
            case "events" -> dev.ferry.examples.events.EventsApp.main(new String[0]);
            case "todo" -> TodoApp.main(new String[0]);
            default -> {
                System.err.println("unknown example '" + args[0] + "'");
                System.err.print(USAGE);
                System.exit(2);
            }
        }
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
