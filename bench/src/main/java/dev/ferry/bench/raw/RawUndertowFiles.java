package dev.ferry.bench.raw;

import dev.ferry.bench.StaticFilesApp;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.handlers.resource.PathResourceManager;
import io.undertow.server.handlers.resource.ResourceHandler;
import io.undertow.util.Headers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The raw Undertow baseline for static files: Undertow's own {@link ResourceHandler} over a
 * {@link PathResourceManager}, at its defaults, serving the benchmark directory under
 * {@code /static} (the same file as {@link StaticFilesApp}), with {@code /plaintext} for the harness's
 * readiness poll. With {@code -Draw.matched=true} it runs with one IO thread per core and no
 * {@code Connection: keep-alive} header, as Ferry runs Undertow.
 */
public final class RawUndertowFiles {

    private RawUndertowFiles() {
    }

    /** Starts the baseline and prints the port it listens on. */
    public static void main(String[] args) throws IOException {
        int port = Integer.getInteger("ferry.port", 8080);
        String configured = System.getProperty("bench.static.dir");
        Path dir;
        if (configured != null) {
            dir = Path.of(configured);
        } else {
            dir = Files.createTempDirectory("raw-undertow-static-");
            StaticFilesApp.create(dir);
        }
        ResourceHandler files = new ResourceHandler(new PathResourceManager(dir));
        Undertow.Builder builder = Undertow.builder()
                .addHttpListener(port, System.getProperty("ferry.host", "0.0.0.0"))
                .setHandler(Handlers.path()
                        .addExactPath("/plaintext", exchange -> {
                            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
                            exchange.getResponseSender().send("Hello, World!");
                        })
                        .addPrefixPath("/static", files));
        if (Boolean.getBoolean("raw.matched")) {
            builder.setIoThreads(Runtime.getRuntime().availableProcessors())
                    .setServerOption(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, false);
        }
        builder.build().start();
        System.out.println("raw undertow files at http://127.0.0.1:" + port + "/static/");
    }
}
