package dev.ferry.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.Handler;
import dev.ferry.WebSocket;
import dev.ferry.routing.Router;
import dev.ferry.server.Execution;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
        try (Server server = new NettyServerProvider().start(app, config); Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                assertTrue(b >= 0, "the connection ended inside the head: " + head);
                head.append((char) b);
            }
            assertTrue(head.toString().startsWith("HTTP/1.1 101 "), head.toString());
            assertTrue(head.toString().contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), head.toString());
            for (int i = 0; i < 10; i++) {
                byte[] text = ("m" + i).getBytes(StandardCharsets.UTF_8);
                byte[] mask = {1, 2, 3, 4};
                out.write(new byte[] {(byte) 0x81, (byte) (0x80 | text.length)});
                out.write(mask);
                for (int j = 0; j < text.length; j++) {
                    out.write(text[j] ^ mask[j & 3]);
                }
                out.flush();
                assertEquals(0x81, in.read());
                int length = in.read();
                assertEquals("m" + i, new String(in.readNBytes(length), StandardCharsets.UTF_8));
            }
        }
    }
}
