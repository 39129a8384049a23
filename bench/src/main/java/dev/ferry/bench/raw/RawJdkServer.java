package dev.ferry.bench.raw;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The dev server's baseline: the JDK's {@link HttpServer} with plain handlers serving the hello
 * example's bytes, {@code GET /plaintext} and {@code GET /json} (Jackson, per request), at the JDK's
 * defaults (exchanges on the dispatcher thread). With {@code -Draw.matched=true} it uses what the dev
 * server uses: virtual threads per exchange (or the dispatcher thread with {@code ferry.execution=io})
 * and TCP_NODELAY. Backlog 1024. Port from {@code ferry.port}, host from {@code ferry.host} (127.0.0.1
 * by default).
 */
public final class RawJdkServer {

    /** The JSON document of {@code /json}. */
    public record Message(String message) {
    }

    private static final byte[] PLAINTEXT = "Hello, World!".getBytes(StandardCharsets.UTF_8);
    private static final ObjectMapper JSON = new ObjectMapper();

    private RawJdkServer() {
    }

    /** Starts the baseline on this host and port (0 picks one), with handlers on virtual threads or inline. */
    public static HttpServer start(String host, int port, boolean virtualThreads) throws IOException {
        if (Boolean.getBoolean("raw.matched") && System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true"); // as the dev server sets it
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 1024);
        server.setExecutor(virtualThreads ? Executors.newVirtualThreadPerTaskExecutor() : null);
        server.createContext("/plaintext", exchange -> {
            if (!exchange.getRequestMethod().equals("GET")) {
                send(exchange, 405, "text/plain; charset=utf-8", new byte[0]);
                return;
            }
            send(exchange, 200, "text/plain; charset=utf-8", PLAINTEXT);
        });
        server.createContext("/json", exchange -> {
            if (!exchange.getRequestMethod().equals("GET")) {
                send(exchange, 405, "text/plain; charset=utf-8", new byte[0]);
                return;
            }
            send(exchange, 200, "application/json", JSON.writeValueAsBytes(new Message("Hello, World!")));
        });
        server.start();
        return server;
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
        exchange.close();
    }

    /** Serves until the process is stopped. */
    public static void main(String[] args) throws IOException {
        String host = System.getProperty("ferry.host", "127.0.0.1");
        int port = Integer.getInteger("ferry.port", 8080);
        boolean virtual = Boolean.getBoolean("raw.matched")
                && !"io".equalsIgnoreCase(System.getProperty("ferry.execution", "virtual"));
        HttpServer server = start(host, port, virtual);
        System.out.println("Raw JDK HttpServer (" + (virtual ? "virtual threads" : "dispatcher thread") + ") at http://"
                + host + ":" + server.getAddress().getPort() + "/");
    }
}
