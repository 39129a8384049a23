package dev.ferry.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.Handler;
import dev.ferry.WebSocket;
import dev.ferry.routing.Router;
import dev.ferry.server.Execution;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** WebSocket on Netty when handlers run on the event loop: the upgrade then happens inside the request decoder's read. */
class NettyWebSocketIoThreadTest {

    @Test
    void anUpgradeServedOnTheEventLoopCarriesMessages() throws Exception {
        Handler app = Router.builder().websocket("/echo", session -> new WebSocket.Listener() {
            @Override
            public void text(String message) {
                session.text(message);
            }
        }).build();
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).execution(Execution.IO_THREAD).build();
        try (Server server = new NettyServerProvider().start(app, config); HttpClient client = HttpClient.newHttpClient()) {
            LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
            CompletableFuture<Integer> closed = new CompletableFuture<>();
            java.net.http.WebSocket socket = client.newWebSocketBuilder().buildAsync(
                    URI.create("ws://127.0.0.1:" + server.port() + "/echo"), new java.net.http.WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
                            received.add(data.toString());
                            ws.request(1);
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onClose(java.net.http.WebSocket ws, int code, String reason) {
                            closed.complete(code);
                            return null;
                        }
                    }).get(5, TimeUnit.SECONDS);
            for (int i = 0; i < 10; i++) {
                socket.sendText("m" + i, true).get(5, TimeUnit.SECONDS);
            }
            for (int i = 0; i < 10; i++) {
                assertEquals("m" + i, received.poll(5, TimeUnit.SECONDS));
            }
            socket.sendClose(1000, "").get(5, TimeUnit.SECONDS);
            assertEquals(1000, closed.get(5, TimeUnit.SECONDS));
        }
    }
}
