package dev.ferry.bench.compare;

import dev.ferry.Response;
import dev.ferry.WebSocket;
import dev.ferry.routing.Router;
import dev.ferry.server.Ferry;
import dev.ferry.server.ServerConfig;
import java.nio.ByteBuffer;

/**
 * The app the Autobahn TestSuite's fuzzing client talks to: {@code /echo} sends every text and binary
 * message back as it came (compressed with permessage-deflate when the client offers it), waiting for each
 * send so that a slow reader slows the echo; {@code /ready} answers once the server listens. It runs on the server named by {@code ferry.server}, on the host and
 * port of {@code ferry.host} and {@code ferry.port}, with a message limit above the suite's largest
 * message.
 */
public final class WebSocketEchoApp {

    /** The suite's largest message is 16 MiB (cases 9.1.6 and 9.2.6). */
    static final int MAX_MESSAGE = 20 * 1024 * 1024;

    private WebSocketEchoApp() {
    }

    /** Starts the app. */
    public static void main(String[] args) {
        WebSocket.Endpoint echo = session -> new WebSocket.Listener() {
            @Override
            public void text(String message) {
                session.text(message).toCompletableFuture().join();
            }

            @Override
            public void binary(ByteBuffer message) {
                session.binary(message).toCompletableFuture().join();
            }
        };
        ServerConfig config = ServerConfig.fromEnvironment().toBuilder().maxWebSocketMessage(MAX_MESSAGE).build();
        Ferry.serve("websocket-echo", Router.builder().websocket("/echo", WebSocket.upgrade(echo).compress())
                .get("/ready", request -> Response.text("ready")).build(), config);
    }
}
