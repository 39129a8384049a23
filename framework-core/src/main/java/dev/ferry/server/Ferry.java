package dev.ferry.server;

import dev.ferry.Handler;
import dev.ferry.spi.ServerProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Starts an app on the server the class path and settings choose. The server named by
 * {@code ferry.server} / {@code FERRY_SERVER} wins; otherwise the one production adapter on the class
 * path; otherwise the dev server. Anything ambiguous or missing fails with a message that says what to
 * add or choose.
 */
public final class Ferry {

    private static final List<String> PRODUCTION = List.of("undertow", "netty", "tomcat");

    private Ferry() {
    }

    /** Serves the app, named {@code app}, with settings from the environment. */
    public static Server serve(Handler app) {
        return serve("app", app);
    }

    /** Serves the app under this name with settings from the environment. */
    public static Server serve(String name, Handler app) {
        return serve(name, app, ServerConfig.fromEnvironment());
    }

    /**
     * Serves the app with these settings on the chosen server and prints one line:
     * {@code Ferry <name> on <server> at http://HOST:PORT/} ({@code https} with TLS). When the JVM is asked to exit (SIGTERM,
     * Ctrl-C), the server stops gracefully within the configured shutdown grace period.
     *
     * @throws IllegalStateException when no server, or more than one production server, can be chosen
     */
    public static Server serve(String name, Handler app, ServerConfig config) {
        ServerProvider provider = select(installed(), config.server());
        Server server = provider.start(app, config);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("ferry-shutdown").unstarted(server::close));
        System.out.println("Ferry " + name + " on " + server.name() + " at " + url(server, config));
        return server;
    }

    /** Returns the URL of a running server, such as {@code http://127.0.0.1:8080/}. */
    public static String url(Server server) {
        String host = server.host();
        return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + server.port() + "/";
    }

    /** Returns the URL of a server started with these settings: {@code https://} when they configure TLS. */
    public static String url(Server server, ServerConfig config) {
        String url = url(server);
        return config.tls().isPresent() ? "https" + url.substring("http".length()) : url;
    }

    /** Returns the server providers on the class path or module path. */
    public static List<ServerProvider> installed() {
        List<ServerProvider> providers = new ArrayList<>();
        ServiceLoader.load(ServerProvider.class).forEach(providers::add);
        return providers;
    }

    /**
     * Chooses among providers by the selection rules.
     *
     * @param requested the name asked for with {@code ferry.server} / {@code FERRY_SERVER}, if any
     * @throws IllegalStateException with the reason and the fix when no single server can be chosen
     */
    public static ServerProvider select(List<ServerProvider> available, Optional<String> requested) {
        if (available.isEmpty()) {
            throw new IllegalStateException("No Ferry server is on the class path. Add one dependency: "
                    + "dev.ferry:ferry-server-dev to develop, or dev.ferry:ferry-adapter-undertow, "
                    + "dev.ferry:ferry-adapter-netty or dev.ferry:ferry-adapter-tomcat for production.");
        }
        if (requested.isPresent()) {
            String wanted = requested.get().trim().toLowerCase(Locale.ROOT);
            for (ServerProvider provider : available) {
                if (provider.name().equalsIgnoreCase(wanted)) {
                    return provider;
                }
            }
            String artifact = wanted.equals("dev") ? "dev.ferry:ferry-server-dev"
                    : PRODUCTION.contains(wanted) ? "dev.ferry:ferry-adapter-" + wanted : null;
            throw new IllegalStateException("ferry.server (FERRY_SERVER) asks for '" + requested.get()
                    + "', which is not on the class path; available: " + names(available) + ". "
                    + (artifact != null ? "Add the dependency " + artifact + "."
                            : "Known servers are dev, " + String.join(", ", PRODUCTION) + "."));
        }
        List<ServerProvider> production = available.stream().filter(ServerProvider::production).toList();
        if (production.size() == 1) {
            return production.get(0);
        }
        if (production.size() > 1) {
            throw new IllegalStateException("Several production servers are on the class path: " + names(production)
                    + ". Choose one with -Dferry.server=NAME or FERRY_SERVER=NAME, or keep one adapter dependency.");
        }
        return available.stream().min(Comparator.comparing(ServerProvider::name)).orElseThrow();
    }

    private static String names(List<ServerProvider> providers) {
        return providers.stream().map(ServerProvider::name).sorted().collect(Collectors.joining(", "));
    }
}
