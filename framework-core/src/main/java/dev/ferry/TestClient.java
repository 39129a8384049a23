package dev.ferry;

import dev.ferry.internal.MemoryExchange;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Engine;

/**
 * Sends requests to a handler in-process, with no socket, through the same engine every server
 * uses: errors mapped to their status, the body limit enforced, no body on HEAD, 204 and 304. The
 * response body is read into memory, so a test can read it as often as it likes.
 *
 * <pre>{@code
 * TestClient client = TestClient.of(app);
 * assertEquals("Hello, World!", client.get("/").body().text());
 * }</pre>
 */
public final class TestClient {

    private static final String JSON = "application/json";

    private final Engine engine;

    private TestClient(Engine engine) {
        this.engine = engine;
    }

    /** Returns a client for the handler with the default server settings. */
    public static TestClient of(Handler app) {
        return of(app, ServerConfig.defaults());
    }

    /** Returns a client for the handler with these server settings (the body limit applies). */
    public static TestClient of(Handler app, ServerConfig config) {
        return new TestClient(Engine.create(app, config));
    }

    /**
     * Sends the request and returns the response with its body in memory; a {@code Host} and the
     * body's {@code Content-Length} (or chunked framing) are added when the request has none, as a
     * client would send them.
     *
     * @throws java.io.UncheckedIOException when the response broke off after it had started, which a
     *     client sees as a cut connection
     */
    public Response send(Request request) {
        MemoryExchange exchange = new MemoryExchange(request);
        engine.serve(exchange);
        return exchange.response();
    }

    /** Builds the request as a server would (a malformed target gets 400) and sends it. */
    public Response send(Request.Builder request) {
        Request built;
        try {
            built = request.build();
        } catch (HttpException e) {
            return Response.error(e.status(), e.getMessage() == null ? e.status().reason() : e.getMessage())
                    .withHeader("Connection", "close");
        }
        return send(built);
    }

    /**
     * Opens a WebSocket to the target in memory, through the app's filters and the same engine and
     * session every server uses: the size limit, idle timeout and close codes apply.
     */
    public Socket websocket(String target) {
        return websocket(Request.builder().method(Method.GET).target(target));
    }

    /**
     * Opens a WebSocket with this request, adding the handshake fields it lacks ({@code Upgrade},
     * {@code Connection}, {@code Sec-WebSocket-Version}, {@code Sec-WebSocket-Key}); when the app
     * refuses, {@link Socket#response()} holds the refusal.
     */
    public Socket websocket(Request.Builder request) {
        Request built = request.build();
        Headers headers = built.headers();
        String[][] defaults = {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Version", "13"},
            {"Sec-WebSocket-Key", java.util.Base64.getEncoder().encodeToString(java.util.UUID.randomUUID().toString().substring(0, 16)
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII))}};
        for (String[] field : defaults) {
            if (!headers.contains(field[0])) {
                headers = headers.plus(field[0], field[1]);
            }
        }
        Socket socket = new Socket();
        MemoryExchange exchange = new MemoryExchange(built.withHeaders(headers), socket::open);
        engine.serve(exchange);
        socket.response = exchange.response();
        return socket;
    }

    /** Sends a GET request for the target. */
    public Response get(String target) {
        return send(Request.builder().method(Method.GET).target(target));
    }

    /** Sends a POST request with this UTF-8 text as the body. */
    public Response post(String target, String body) {
        return send(Request.builder().method(Method.POST).target(target).body(Body.of(body)));
    }

    /** Sends a PUT request with this UTF-8 text as the body. */
    public Response put(String target, String body) {
        return send(Request.builder().method(Method.PUT).target(target).body(Body.of(body)));
    }

    /** Sends a PATCH request with this UTF-8 text as the body. */
    public Response patch(String target, String body) {
        return send(Request.builder().method(Method.PATCH).target(target).body(Body.of(body)));
    }

    /** Sends a DELETE request for the target. */
    public Response delete(String target) {
        return send(Request.builder().method(Method.DELETE).target(target));
    }

    /** Sends a request with this method and no body. */
    public Response send(Method method, String target) {
        return send(Request.builder().method(method).target(target));
    }

    /** Sends a request with this method, no body and {@code Accept: application/json}, as a JSON client would. */
    public Response json(Method method, String target) {
        return send(Request.builder().method(method).target(target).headers(Headers.of("Accept", JSON)));
    }

    /**
     * Sends a request with this method and JSON text as its UTF-8 body, with
     * {@code Content-Type: application/json} and {@code Accept: application/json}, as a JSON client would:
     * {@code client.json(Method.POST, "/users", "{\"name\":\"Ada\"}")}.
     */
    public Response json(Method method, String target, String json) {
        return send(Request.builder().method(method).target(target)
                .headers(Headers.of("Content-Type", JSON, "Accept", JSON)).body(Body.of(json)));
    }

    /**
     * The client end of a WebSocket opened in memory with {@link #websocket(String)}. It answers pings
     * and the server's close frame as a browser would; what the server sends waits in a queue for
     * {@link #receive()}.
     */
    public static final class Socket {

        /** What a frame from the server is. */
        public enum Kind {
            /** A text message. */
            TEXT,
            /** A binary message. */
            BINARY,
            /** A ping (already answered). */
            PING,
            /** A close frame (already answered). */
            CLOSE
        }

        /**
         * A frame the server sent: its kind, the text of a text frame, the bytes of a binary frame or a
         * ping, and the code and reason of a close frame.
         */
        public record Frame(Kind kind, String text, byte[] bytes, int code, String reason) {
        }

        private final java.util.concurrent.LinkedBlockingQueue<Frame> frames = new java.util.concurrent.LinkedBlockingQueue<>();
        private final Object lock = new Object();
        private volatile dev.ferry.spi.WebSocketEvents events;
        private volatile boolean closeReceived;
        private volatile boolean closeSent;
        private volatile boolean ended;
        private Response response;

        private Socket() {
        }

        private void open(dev.ferry.spi.WebSocketUpgrade upgrade) {
            events = upgrade.open(new Transport());
        }

        /** Returns the answer to the handshake: {@code 101} when the app accepted it, else its refusal. */
        public Response response() {
            return response;
        }

        /** Returns whether the app accepted the upgrade. */
        public boolean upgraded() {
            return events != null;
        }

        /** Sends a text message to the endpoint. */
        public void text(String message) {
            deliver(e -> e.text(message));
        }

        /** Sends a binary message to the endpoint. */
        public void binary(byte[] message) {
            deliver(e -> e.binary(java.nio.ByteBuffer.wrap(message.clone())));
        }

        /** Sends a ping; the server's answer is not queued. */
        public void ping(byte[] data) {
            deliver(e -> e.ping(java.nio.ByteBuffer.wrap(data.clone())));
        }

        /** Sends a pong, such as the answer to the endpoint's ping. */
        public void pong(byte[] data) {
            deliver(e -> e.pong(java.nio.ByteBuffer.wrap(data.clone())));
        }

        /** Sends a close frame with this code and reason; the server's answer is queued, as a {@link Kind#CLOSE} frame. */
        public void close(int code, String reason) {
            closeSent = true;
            deliver(e -> e.closed(code, reason));
            if (!closeReceived) {
                frames.add(new Frame(Kind.CLOSE, null, null, code, reason)); // the server echoes it
                closeReceived = true;
            }
            end();
        }

        /** Waits up to five seconds for the next frame from the server. */
        public Frame receive() {
            return receive(java.time.Duration.ofSeconds(5));
        }

        /**
         * Waits for the next frame from the server.
         *
         * @throws IllegalStateException when none comes in time
         */
        public Frame receive(java.time.Duration timeout) {
            try {
                Frame frame = frames.poll(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
                if (frame == null) {
                    throw new IllegalStateException("no WebSocket frame came within " + timeout);
                }
                return frame;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a WebSocket frame", e);
            }
        }

        /** Waits for the next frame and returns its text; fails when it is not a text frame. */
        public String receiveText() {
            Frame frame = receive();
            if (frame.kind() != Kind.TEXT) {
                throw new IllegalStateException("expected a text frame, got " + frame.kind());
            }
            return frame.text();
        }

        private void deliver(java.util.function.Consumer<dev.ferry.spi.WebSocketEvents> event) {
            if (events == null) {
                throw new IllegalStateException("the app did not accept the upgrade: " + response.status());
            }
            synchronized (lock) {
                if (!ended) {
                    event.accept(events);
                }
            }
        }

        private void end() {
            synchronized (lock) {
                if (!ended) {
                    ended = true;
                    events.ended(null);
                }
            }
        }

        /** The server's end, as an adapter would carry it; answers come from a thread of their own. */
        private final class Transport implements dev.ferry.spi.WebSocketTransport {
            @Override
            public java.util.concurrent.CompletionStage<Void> text(String message) {
                return queue(new Frame(Kind.TEXT, message, null, 0, null));
            }

            @Override
            public java.util.concurrent.CompletionStage<Void> binary(java.nio.ByteBuffer message) {
                return queue(new Frame(Kind.BINARY, null, bytes(message), 0, null));
            }

            @Override
            public java.util.concurrent.CompletionStage<Void> ping(java.nio.ByteBuffer data) {
                byte[] copy = bytes(data);
                Thread.ofVirtual().start(() -> deliver(e -> e.pong(java.nio.ByteBuffer.wrap(copy))));
                return queue(new Frame(Kind.PING, null, copy, 0, null));
            }

            @Override
            public java.util.concurrent.CompletionStage<Void> close(int code, String reason) {
                var queued = queue(new Frame(Kind.CLOSE, null, null, code, reason));
                closeReceived = true;
                if (!closeSent) {
                    closeSent = true;
                    Thread.ofVirtual().start(() -> {
                        deliver(e -> e.closed(code, reason)); // a client echoes the code
                        end();
                    });
                }
                return queued;
            }

            @Override
            public void abort() {
                Thread.ofVirtual().start(Socket.this::end);
            }

            private java.util.concurrent.CompletionStage<Void> queue(Frame frame) {
                if (ended || closeReceived) {
                    return java.util.concurrent.CompletableFuture.failedFuture(new java.io.IOException("the connection is closed"));
                }
                frames.add(frame);
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }

            private static byte[] bytes(java.nio.ByteBuffer buffer) {
                byte[] copy = new byte[buffer.remaining()];
                buffer.duplicate().get(copy);
                return copy;
            }
        }
    }
}
