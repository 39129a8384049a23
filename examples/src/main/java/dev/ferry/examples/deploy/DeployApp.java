package dev.ferry.examples.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.Handler;
import dev.ferry.Health;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.TrustedProxies;
import dev.ferry.examples.hello.HelloApp;
import dev.ferry.routing.Router;
import dev.ferry.server.Ferry;

/**
 * The hello example as one of several instances behind a reverse proxy: it believes forwarded
 * headers only from the proxies in {@code ferry.trusted-proxies} / {@code FERRY_TRUSTED_PROXIES},
 * exposes {@code /health/live} and {@code /health/ready}, and {@code /whoami} tells which instance
 * answered and whom it saw. The instance name comes from {@code ferry.instance} / {@code FERRY_INSTANCE}.
 */
public final class DeployApp {

    /** What {@code /whoami} reports. */
    public record Seen(String instance, String server, String client, String scheme, String host) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private DeployApp() {
    }

    /** Returns the app for an instance with this name on this server, trusting these proxies. */
    public static Handler app(String instance, String server, TrustedProxies proxies) {
        Handler routes = Router.builder()
                .get("/whoami", request -> Response.json(JSON.writeValueAsString(seen(instance, server, request))))
                .mount("/health", Health.endpoints())
                .mount("/hello", HelloApp.app())
                .build();
        return proxies.filter().then(routes);
    }

    private static Seen seen(String instance, String server, Request request) {
        return new Seen(instance, server, request.remoteAddress().getAddress().getHostAddress(), request.scheme(),
                request.header("Host").orElse(""));
    }

    /** Serves one instance with settings from the environment. */
    public static void main(String[] args) {
        String instance = System.getProperty("ferry.instance", System.getenv().getOrDefault("FERRY_INSTANCE", "instance"));
        String server = System.getProperty("ferry.server", System.getenv().getOrDefault("FERRY_SERVER", "default"));
        Ferry.serve("deploy " + instance, app(instance, server, TrustedProxies.fromEnvironment()));
    }
}
