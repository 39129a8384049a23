package dev.ferry.dev.internal;

import com.sun.net.httpserver.HttpServer;
import dev.ferry.Handler;
import dev.ferry.server.Execution;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Engine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The dev server: the JDK's {@link HttpServer} with every request served by Ferry's {@link Engine}. */
public final class JdkServer implements Server {

    /** The host the dev server binds when {@code ferry.host} is not set: loopback only. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    private static final int BACKLOG = 1024;

    private final HttpServer http;
    private final Engine engine;
    private final ServerConfig config;
    private final ExecutorService executor;
    private final RequestLog log;
    private final AutoCloseable resource;
    private final String host;
    private final int port;
    private boolean stopped;

    private JdkServer(HttpServer http, Engine engine, ServerConfig config, ExecutorService executor,
                      RequestLog log, AutoCloseable resource, String configuredHost) {
        this.http = http;
        this.engine = engine;
        this.config = config;
        this.executor = executor;
        this.log = log;
        this.resource = resource;
        InetSocketAddress bound = http.getAddress();
        this.host = bound.getAddress().isAnyLocalAddress() ? configuredHost : bound.getAddress().getHostAddress();
        this.port = bound.getPort();
    }

    /**
     * Starts serving the app behind the debug page, logging each request to the console when
     * {@code console} is not null, and closing {@code resource} (if any) when it stops.
     *
     * @throws UncheckedIOException when it cannot bind
     */
    public static JdkServer start(Handler app, ServerConfig config, Console console, AutoCloseable resource) {
        JdkSettings.apply(config);
        Engine engine = Engine.create(DebugPage.wrap(app), config);
        String host = config.host().orElse(DEFAULT_HOST);
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), config.port()), BACKLOG);
        } catch (IOException e) {
            throw Engine.cannotListen(host, config.port(), e);
        }
        ExecutorService executor = config.execution().orElse(Execution.VIRTUAL_THREADS) == Execution.VIRTUAL_THREADS
                ? Executors.newVirtualThreadPerTaskExecutor() : null;
        http.setExecutor(executor); // null: the JDK runs each exchange on its dispatcher thread
        RequestLog log = console == null ? null : new RequestLog(console);
        http.createContext("/", new ExchangeHandler(engine, log));
        http.start();
        return new JdkServer(http, engine, config, executor, log, resource, host);
    }

    @Override
    public String name() {
        return "dev";
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }

    /** Stops in the engine's one sequence; the JDK closes its listener and every connection at the end. */
    @Override
    public synchronized void stop(Duration grace) {
        if (stopped) {
            return;
        }
        stopped = true;
        engine.stop(grace, () -> { }, () -> http.stop(0));
        if (executor != null) {
            executor.shutdownNow();
        }
        if (log != null) {
            log.close();
        }
        if (resource != null) {
            try {
                resource.close();
            } catch (Exception e) {
                System.getLogger("dev.ferry.dev").log(System.Logger.Level.WARNING, "closing " + resource, e);
            }
        }
    }

    @Override
    public void close() {
        stop(config.shutdownGrace());
    }

    @Override
    public String toString() {
        return "dev server at http://" + host + ":" + port + "/";
    }
}
