package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.internal.WebSocketAccept;
import dev.ferry.routing.Router;
import dev.ferry.server.ServerConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WebSocketTest {

    private final LinkedBlockingQueue<String> closes = new LinkedBlockingQueue<>();

    private final WebSocket.Endpoint echo = session -> new WebSocket.Listener() {
        @Override
        public void text(String message) {
            switch (message) {
                case "throw" -> throw new IllegalStateException("the endpoint failed");
                case "ping" -> session.ping(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                case "bye" -> session.close(4000, "bye then");
                case "subprotocol" -> session.text("[" + session.subprotocol() + "]");
                case "who" -> session.text(session.request().pathParam("room") + " " + session.request().headers().firstOrNull("X-User"));
                default -> session.text(message);
            }
        }

        @Override
        public void binary(ByteBuffer message) {
            session.binary(message);
        }

        @Override
        public void pong(ByteBuffer data) {
            session.text("pong " + data.remaining());
        }

        @Override
        public void closed(int code, String reason) {
            closes.add(code + " " + reason);
        }
    };

    private Handler app() {
        Filter auth = next -> request -> request.headers().contains("X-User") ? next.handle(request)
                : Response.error(Status.UNAUTHORIZED, "who are you?");
        return auth.then(Router.builder()
                .websocket("/rooms/{room}", echo)
                .websocket("/open", WebSocket.upgrade(echo).allowOrigins("https://app.example"))
                .websocket("/graphql", WebSocket.upgrade(echo).subprotocols("graphql-transport-ws", "graphql-ws"))
                .websocket("/deflate", WebSocket.upgrade(echo).compress())
                .build());
    }

    private TestClient client() {
        return TestClient.of(app(), ServerConfig.builder().maxWebSocketMessage(1000).build());
    }

    private static Request.Builder upgrade(String target) {
        return Request.builder().method(Method.GET).target(target).headers(Headers.of("X-User", "ada"));
    }

    private String nextClose() throws InterruptedException {
        String close = closes.poll(5, TimeUnit.SECONDS);
        return close == null ? "no closed event" : close;
    }

    @Test
    void theSubprotocolIsTheClientsFirstChoiceAmongTheEndpoints() {
        TestClient.Socket socket = client().websocket(upgrade("/graphql")
                .headers(Headers.of("X-User", "ada", "Sec-WebSocket-Protocol", "mqtt, graphql-ws, graphql-transport-ws")));
        assertEquals(101, socket.response().status().code());
        assertEquals("graphql-ws", socket.response().headers().firstOrNull("Sec-WebSocket-Protocol"));
        socket.text("subprotocol");
        assertEquals("[graphql-ws]", socket.receiveText());

        TestClient.Socket none = client().websocket(upgrade("/graphql")
                .headers(Headers.of("X-User", "ada", "Sec-WebSocket-Protocol", "mqtt")));
        assertEquals(101, none.response().status().code());
        assertEquals(null, none.response().headers().firstOrNull("Sec-WebSocket-Protocol"));
        none.text("subprotocol");
        assertEquals("[]", none.receiveText());

        TestClient.Socket undeclared = client().websocket(upgrade("/rooms/blue")
                .headers(Headers.of("X-User", "ada", "Sec-WebSocket-Protocol", "graphql-ws")));
        assertEquals(null, undeclared.response().headers().firstOrNull("Sec-WebSocket-Protocol"));
    }

    @Test
    void permessageDeflateIsAgreedOnlyWhereTheEndpointCompresses() {
        Headers offer = Headers.of("X-User", "ada", "Sec-WebSocket-Extensions",
                "permessage-deflate; server_max_window_bits=9, permessage-deflate; client_max_window_bits; server_no_context_takeover");
        TestClient.Socket compressing = client().websocket(upgrade("/deflate").headers(offer));
        assertEquals(101, compressing.response().status().code());
        assertEquals("permessage-deflate;server_no_context_takeover;client_max_window_bits=15",
                compressing.response().headers().firstOrNull("Sec-WebSocket-Extensions"));
        TestClient.Socket plain = client().websocket(upgrade("/rooms/blue").headers(offer));
        assertEquals(null, plain.response().headers().firstOrNull("Sec-WebSocket-Extensions"));
        TestClient.Socket unreadable = client().websocket(upgrade("/deflate")
                .headers(Headers.of("X-User", "ada", "Sec-WebSocket-Extensions", "permessage-deflate; a=\"b c\"")));
        assertEquals(400, unreadable.response().status().code());
    }

    @Test
    void aSubprotocolIsAToken() {
        assertThrows(IllegalArgumentException.class, () -> WebSocket.upgrade(echo).subprotocols("chat, v2"));
        assertThrows(IllegalArgumentException.class, () -> WebSocket.upgrade(echo).subprotocols(""));
    }

    @Test
    void echoesTextAndBinaryWithTheUpgradeRequest() {
        TestClient.Socket socket = client().websocket(upgrade("/rooms/blue"));
        assertEquals(101, socket.response().status().code());
        assertEquals("websocket", socket.response().headers().firstOrNull("Upgrade"));
        assertEquals("Upgrade", socket.response().headers().firstOrNull("Connection"));
        socket.text("héllo");
        assertEquals("héllo", socket.receiveText());
        socket.binary(new byte[] {0, 1, (byte) 255});
        TestClient.Socket.Frame frame = socket.receive();
        assertEquals(TestClient.Socket.Kind.BINARY, frame.kind());
        assertArrayEquals(new byte[] {0, 1, (byte) 255}, frame.bytes());
        socket.text("who");
        assertEquals("blue ada", socket.receiveText());
    }

    @Test
    void theAcceptKeyIsTheOneOfRfc6455() {
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketAccept.accept("dGhlIHNhbXBsZSBub25jZQ=="));
        TestClient.Socket socket = client().websocket(upgrade("/rooms/a").headers(Headers.of("X-User", "ada",
                "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")));
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", socket.response().headers().firstOrNull("Sec-WebSocket-Accept"));
    }

    @Test
    void theServerPingsAndTheClientsPongReachesTheListener() {
        TestClient.Socket socket = client().websocket(upgrade("/rooms/a"));
        socket.text("ping");
        TestClient.Socket.Frame ping = socket.receive();
        assertEquals(TestClient.Socket.Kind.PING, ping.kind());
        assertArrayEquals(new byte[] {1, 2, 3}, ping.bytes());
        assertEquals("pong 3", socket.receiveText());
    }

    @Test
    void aMessageOverTheLimitClosesWith1009() throws InterruptedException {
        TestClient.Socket socket = client().websocket(upgrade("/rooms/a"));
        socket.text("x".repeat(1000));
        assertEquals(1000, socket.receiveText().length());
        socket.text("é".repeat(501)); // 1002 bytes of UTF-8
        TestClient.Socket.Frame close = socket.receive();
        assertEquals(TestClient.Socket.Kind.CLOSE, close.kind());
        assertEquals(WebSocket.MESSAGE_TOO_BIG, close.code());
        assertEquals("1009 Message too big", nextClose());
        socket = client().websocket(upgrade("/rooms/a"));
        socket.binary(new byte[1001]);
        assertEquals(1009, socket.receive().code());
    }

    @Test
    void anEndpointThatThrowsClosesWith1011() throws InterruptedException {
        TestClient.Socket socket = client().websocket(upgrade("/rooms/a"));
        socket.text("throw");
        TestClient.Socket.Frame close = socket.receive();
        assertEquals(WebSocket.INTERNAL_ERROR, close.code());
        assertEquals("1011 Internal Error", nextClose());
    }

    @Test
    void anEndpointThatFailsToOpenClosesWith1011() {
        Handler app = Router.builder().websocket("/ws", session -> {
            throw new IllegalStateException("no");
        }).build();
        TestClient.Socket socket = TestClient.of(app).websocket("/ws");
        assertEquals(101, socket.response().status().code());
        assertEquals(1011, socket.receive().code());
    }

    @Test
    void theCloseHandshakeEitherWay() throws InterruptedException {
        TestClient.Socket socket = client().websocket(upgrade("/rooms/a"));
        socket.close(1000, "done");
        TestClient.Socket.Frame echo = socket.receive();
        assertEquals(1000, echo.code());
        assertEquals("1000 done", nextClose());
        socket = client().websocket(upgrade("/rooms/a"));
        socket.text("bye");
        TestClient.Socket.Frame close = socket.receive();
        assertEquals(4000, close.code());
        assertEquals("bye then", close.reason());
        assertEquals("4000 bye then", nextClose());
    }

    @Test
    void anIdleSessionClosesWith1001() throws InterruptedException {
        TestClient client = TestClient.of(app(), ServerConfig.builder().webSocketIdleTimeout(Duration.ofMillis(300)).build());
        TestClient.Socket socket = client.websocket(upgrade("/rooms/a"));
        socket.text("hi");
        assertEquals("hi", socket.receiveText());
        TestClient.Socket.Frame close = socket.receive(Duration.ofSeconds(3));
        assertEquals(WebSocket.GOING_AWAY, close.code());
        assertEquals("Idle timeout", close.reason());
        assertEquals("1001 Idle timeout", nextClose());
    }

    @Test
    void originsAreCheckedBeforeTheUpgrade() {
        TestClient client = client();
        assertEquals(403, client.websocket(upgrade("/rooms/a").headers(Headers.of("X-User", "a", "Origin", "https://evil.example")))
                .response().status().code());
        assertEquals(101, client.websocket(upgrade("/rooms/a").headers(Headers.of("X-User", "a", "Host", "app.example:8080",
                "Origin", "http://app.example:8080"))).response().status().code());
        assertEquals(101, client.websocket(upgrade("/rooms/a").headers(Headers.of("X-User", "a", "Host", "app.example",
                "Origin", "https://app.example"))).response().status().code());
        assertEquals(101, client.websocket(upgrade("/open").headers(Headers.of("X-User", "a", "Origin", "https://APP.example")))
                .response().status().code());
        assertEquals(403, client.websocket(upgrade("/open").headers(Headers.of("X-User", "a", "Origin", "https://other.example")))
                .response().status().code());
    }

    @Test
    void theUpgradePassesThroughTheFilters() {
        TestClient.Socket socket = client().websocket("/rooms/a");
        assertFalse(socket.upgraded());
        assertEquals(401, socket.response().status().code());
        assertThrows(IllegalStateException.class, () -> socket.text("hi"));
    }

    @Test
    void requestsThatAreNotUpgradesAreRefusedAsRfc6455Says() {
        TestClient client = client();
        Response plain = client.send(upgrade("/rooms/a"));
        assertEquals(426, plain.status().code());
        assertEquals("websocket", plain.headers().firstOrNull("Upgrade"));
        assertEquals("13", plain.headers().firstOrNull("Sec-WebSocket-Version"));
        Response version = client.websocket(upgrade("/rooms/a").headers(Headers.of("X-User", "a", "Sec-WebSocket-Version", "8")))
                .response();
        assertEquals(426, version.status().code());
        assertEquals("13", version.headers().firstOrNull("Sec-WebSocket-Version"));
        assertEquals(400, client.websocket(upgrade("/rooms/a").headers(Headers.of("X-User", "a", "Sec-WebSocket-Key", "short")))
                .response().status().code());
        assertEquals(400, client.websocket(upgrade("/rooms/a").headers(Headers.of("X-User", "a", "Connection", "keep-alive")))
                .response().status().code());
        assertEquals(400, client.websocket(upgrade("/rooms/a").version("HTTP/1.0")).response().status().code());
        assertEquals(405, client.websocket(upgrade("/rooms/a").method(Method.POST)).response().status().code());
        assertEquals(404, client.websocket(upgrade("/nowhere")).response().status().code());
    }

    @Test
    void aServerWithoutWebSocketSaysWhichDependencyToAdd() throws Exception {
        Response response = client().send(upgrade("/rooms/a").headers(Headers.of("X-User", "a", "Upgrade", "websocket",
                "Connection", "Upgrade", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")));
        assertEquals(501, response.status().code());
        assertTrue(response.body().text().contains("ferry-adapter-netty"), response.body().text());
    }

    @Test
    void closeCodesAndReasonsAreChecked() {
        WebSocket.Session[] held = new WebSocket.Session[1];
        Handler app = Router.builder().websocket("/ws", session -> {
            held[0] = session;
            return new WebSocket.Listener() { };
        }).build();
        TestClient.Socket socket = TestClient.of(app).websocket("/ws");
        socket.ping(new byte[0]);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (held[0] == null && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        WebSocket.Session session = held[0];
        assertThrows(IllegalArgumentException.class, () -> session.close(1005, ""));
        assertThrows(IllegalArgumentException.class, () -> session.close(1000, "x".repeat(124)));
        assertTrue(session.isOpen());
        session.close(1000, "fine").toCompletableFuture().join();
        assertFalse(session.isOpen());
        assertTrue(session.text("late").toCompletableFuture().isCompletedExceptionally());
        assertEquals(1000, socket.receive().code());
    }
}
