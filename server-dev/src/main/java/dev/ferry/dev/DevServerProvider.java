package dev.ferry.dev;

import dev.ferry.Handler;
import dev.ferry.dev.internal.Banner;
import dev.ferry.dev.internal.Console;
import dev.ferry.dev.internal.JdkServer;
import dev.ferry.dev.internal.ReloadPlan;
import dev.ferry.dev.internal.ReloadingHandler;
import dev.ferry.server.Ferry;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.ServerProvider;
import java.util.Optional;

/**
 * The {@code dev} server: the JDK's built-in HTTP server with a request log, a debug page for
 * handlers that throw and reload when the app's classes change. It is never chosen over a
 * production adapter unless asked for by name; it binds 127.0.0.1 unless {@code ferry.host} says
 * otherwise.
 */
public final class DevServerProvider implements ServerProvider {

    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public DevServerProvider() {
    }

    @Override
    public String name() {
        return "dev";
    }

    @Override
    public boolean production() {
        return false;
    }

    /**
     * Starts the dev server and prints its banner. When started through {@link Ferry#serve} from a
     * class in a class directory that has one public static method returning a Handler, or when
     * {@code ferry.reload} names such a method, the app reloads after its classes change.
     *
     * @throws IllegalStateException when TLS is configured: the dev server serves plain HTTP only
     */
    @Override
    public Server start(Handler app, ServerConfig config) {
        if (config.tls().isPresent()) {
            throw new IllegalStateException("The dev server serves plain HTTP only, but TLS is configured (" + config.tls().get()
                    + "). Serve HTTPS with a production server (add dev.ferry:ferry-adapter-undertow, ferry-adapter-netty "
                    + "or ferry-adapter-tomcat), or unset ferry.tls.* / FERRY_TLS_* to develop over plain HTTP.");
        }
        Console console = Console.system();
        ReloadPlan plan = ReloadPlan.decide(System.getenv(), System.getProperties(), callerOfFerry().orElse(null),
                Thread.currentThread().getContextClassLoader());
        Handler served = app;
        ReloadingHandler reloading = null;
        if (plan.enabled()) {
            reloading = ReloadingHandler.create(plan.factory(), plan.directories(),
                    Thread.currentThread().getContextClassLoader(), app);
            served = reloading;
        }
        JdkServer server = JdkServer.start(served, config, console, reloading);
        console.out().print(Banner.text(server, config.host().isPresent(), plan.note()));
        console.out().flush();
        return server;
    }

    /** Returns the class whose code called {@link Ferry#serve}, if the start came from there. */
    private static Optional<Class<?>> callerOfFerry() {
        return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> {
            java.util.Iterator<Class<?>> types = frames.limit(64)
                    .<Class<?>>map(StackWalker.StackFrame::getDeclaringClass).iterator();
            Class<?> type = null;
            while (types.hasNext() && (type = types.next()).getPackageName().startsWith("dev.ferry.dev")) {
                type = null;
            }
            if (type != Ferry.class) {
                return Optional.empty();
            }
            while (types.hasNext()) {
                type = types.next();
                if (type != Ferry.class) {
                    return Optional.of(type);
                }
            }
            return Optional.empty();
        });
    }
}
