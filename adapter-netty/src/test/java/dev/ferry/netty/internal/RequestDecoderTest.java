package dev.ferry.netty.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.ServerConfig;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What Netty's own request decoder lets through with its defaults, next to what the head check
 * makes of the same bytes: the reason the check exists. The first column records Netty 4.2's
 * default verdict (accepted or refused), so an upgrade that changes it shows up here.
 */
class RequestDecoderTest {

    @ParameterizedTest(name = "{0}: Netty {1}")
    @CsvSource(delimiter = '|', textBlock = """
            bare LF line ends      | refused  | GET / HTTP/1.1\\nHost: t\\n\\n
            obs-fold               | accepted | GET / HTTP/1.1\\r\\nHost: t\\r\\nX: a\\r\\n  b\\r\\n\\r\\n
            line without a colon   | refused  | GET / HTTP/1.1\\r\\nHost: t\\r\\nNoColon\\r\\n\\r\\n
            double space           | accepted | GET  / HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n
            space before colon     | refused  | GET / HTTP/1.1\\r\\nHost : t\\r\\n\\r\\n
            bare CR                | refused  | GET / HTTP/1.1\\r\\nHost: t\\rX: y\\r\\n\\r\\n
            """)
    void refusesWhatNettyLetsThrough(String name, String nettyDefault, String raw) {
        byte[] bytes = raw.replace("\\r", "\r").replace("\\n", "\n").getBytes(StandardCharsets.ISO_8859_1);

        EmbeddedChannel netty = new EmbeddedChannel(new HttpRequestDecoder());
        netty.writeInbound(Unpooled.wrappedBuffer(bytes));
        Object decoded = netty.readInbound();
        boolean accepted = decoded instanceof HttpRequest request && request.decoderResult().isSuccess();
        ReferenceCountUtil.release(decoded);
        netty.finishAndReleaseAll();
        assertEquals(nettyDefault, accepted ? "accepted" : "refused", name + " with Netty's defaults");

        EmbeddedChannel ours = new EmbeddedChannel(new RequestDecoder(ServerConfig.defaults()));
        ours.writeInbound(Unpooled.wrappedBuffer(bytes));
        Object first = ours.readInbound();
        assertInstanceOf(RequestDecoder.Refused.class, first, name);
        assertEquals("HTTP/1.1 400 ", status(first), name);
        ours.finishAndReleaseAll();
    }

    @Test
    void checksAHeadPipelinedBehindAWholeRequest() {
        byte[] bytes = ("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok"
                + "GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n  b\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        EmbeddedChannel ours = new EmbeddedChannel(new RequestDecoder(ServerConfig.defaults()));
        ours.writeInbound(Unpooled.wrappedBuffer(bytes));
        Object head = ours.readInbound();
        assertInstanceOf(HttpRequest.class, head);
        Object body = ours.readInbound();
        assertInstanceOf(LastHttpContent.class, body);
        ReferenceCountUtil.release(body);
        Object next = ours.readInbound();
        assertInstanceOf(RequestDecoder.Refused.class, next, "the second head is checked without waiting for the connection handler");
        assertEquals("HTTP/1.1 400 ", status(next));
        ours.finishAndReleaseAll();
    }

    @Test
    void failsABodyWhoseChunkExtensionsPassTheHeaderLimitTogether() {
        ServerConfig config = ServerConfig.builder().maxHeaderBytes(1024).build();
        StringBuilder raw = new StringBuilder("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 20; i++) {
            raw.append("1;").append("e".repeat(100)).append("\r\nx\r\n");
        }
        byte[] bytes = raw.append("0\r\n\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);

        EmbeddedChannel netty = new EmbeddedChannel(new HttpRequestDecoder());
        netty.writeInbound(Unpooled.wrappedBuffer(bytes));
        Object last = null;
        for (Object decoded; (decoded = netty.readInbound()) != null; ReferenceCountUtil.release(decoded)) {
            last = decoded;
        }
        assertInstanceOf(LastHttpContent.class, last, "Netty alone reads the whole body");
        assertTrue(((LastHttpContent) last).decoderResult().isSuccess());
        netty.finishAndReleaseAll();

        EmbeddedChannel ours = new EmbeddedChannel(new RequestDecoder(config));
        ours.writeInbound(Unpooled.wrappedBuffer(bytes));
        assertInstanceOf(HttpRequest.class, ours.readInbound());
        long data = 0;
        Object decoded;
        while ((decoded = ours.readInbound()) instanceof HttpContent content && content.decoderResult().isSuccess()) {
            data += content.content().readableBytes();
            content.release();
        }
        assertInstanceOf(LastHttpContent.class, decoded, "the body ends in a failure, not in its last chunk");
        assertTrue(((LastHttpContent) decoded).decoderResult().isFailure());
        assertTrue(data < 20, "the chunks past the limit never reach the app: " + data);
        assertNull(ours.readInbound());
        ours.finishAndReleaseAll();
    }

    @Test
    void answersAHeadNotCompleteWithinTheHeaderTimeoutWith408() {
        ServerConfig config = ServerConfig.builder().requestHeaderTimeout(Duration.ofSeconds(2)).build();
        EmbeddedChannel ours = new EmbeddedChannel(new RequestDecoder(config));
        ours.writeInbound(Unpooled.wrappedBuffer("GET / HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
        assertInstanceOf(HttpRequest.class, ours.readInbound());
        ReferenceCountUtil.release(ours.readInbound());
        ours.advanceTimeBy(3, TimeUnit.SECONDS);
        ours.runScheduledPendingTasks();
        assertNull(ours.readInbound(), "a whole head stops the clock");

        ours.writeInbound(Unpooled.wrappedBuffer("GET / HTTP/1.1\r\nHost".getBytes(StandardCharsets.ISO_8859_1)));
        ours.advanceTimeBy(1, TimeUnit.SECONDS);
        ours.runScheduledPendingTasks();
        assertNull(ours.readInbound(), "not yet");
        ours.advanceTimeBy(1100, TimeUnit.MILLISECONDS);
        ours.runScheduledPendingTasks();
        assertEquals("HTTP/1.1 408 ", status(ours.readInbound()));
        ours.writeInbound(Unpooled.wrappedBuffer(": t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
        assertNull(ours.readInbound(), "what comes after the refusal is dropped");
        ours.finishAndReleaseAll();
    }

    /** Returns the status line's start of a refusal, which must be a whole response that closes. */
    private static String status(Object refused) {
        String response = new String(((RequestDecoder.Refused) refused).response(), StandardCharsets.ISO_8859_1);
        assertTrue(response.contains("\r\nConnection: close\r\n"), response);
        return response.substring(0, 13);
    }
}
