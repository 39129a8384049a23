package dev.ferry.bench.raw;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The raw Undertow baseline: a plain {@code HttpHandler} answering on the IO thread with the bytes the
 * hello example sends ({@code /plaintext}, and {@code /json} serialised with Jackson per request), on the
 * port of {@code ferry.port} (8080 by default), at Undertow's own defaults. With {@code -Draw.matched=true}
 * it runs as Ferry runs Undertow: one IO thread per core and no {@code Connection: keep-alive} header, so
 * both send the same bytes. {@code -Draw.http2=true} and {@code -Draw.tls.keystore} turn on HTTP/2 and TLS
 * ({@link RawTls}).
 */
public final class RawUndertow {

    /** The JSON document of {@code /json}. */
    public record Message(String message) {
    }

    private static final ByteBuffer HELLO = ByteBuffer.allocateDirect(13)
            .put("Hello, World!".getBytes(StandardCharsets.US_ASCII)).flip();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String APPLICATION_JSON = "application/json";

    private RawUndertow() {
    }

    /** Starts the baseline and prints the port it listens on. */
    public static void main(String[] args) {
        int port = Integer.getInteger("ferry.port", 8080);
        String host = System.getProperty("ferry.host", "0.0.0.0");
        Undertow.Builder builder = Undertow.builder().setHandler(RawUndertow::handle);
        if (RawTls.keystore() != null) {
            builder.addHttpsListener(port, host, RawTls.context());
        } else {
            builder.addHttpListener(port, host);
        }
        if (RawTls.http2()) {
            // h2 by ALPN on the HTTPS listener; on the HTTP listener h2c with prior knowledge (and Upgrade)
            builder.setServerOption(UndertowOptions.ENABLE_HTTP2, true);
        }
        if (Boolean.getBoolean("raw.matched")) {
            // as many IO threads as the adapter uses (Undertow's default is at least two), so the ratio
            // compares the work per request and not the thread count
            builder.setIoThreads(Runtime.getRuntime().availableProcessors())
                    .setServerOption(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, false);
        }
        Undertow server = builder.build();
        server.start();
        System.out.println("raw undertow (" + RawTls.describe() + ") on port " + port);
    }

    private static void handle(HttpServerExchange exchange) throws Exception {
        switch (exchange.getRequestPath()) {
            case "/plaintext" -> {
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, TEXT);
                exchange.getResponseSender().send(HELLO.duplicate());
            }
            case "/json" -> {
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, APPLICATION_JSON);
                exchange.getResponseSender().send(ByteBuffer.wrap(JSON.writeValueAsBytes(new Message("Hello, World!"))));
            }
            default -> {
                exchange.setStatusCode(404);
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, TEXT);
                exchange.getResponseSender().send("Not Found");
            }
        }
    }
}
