package dev.ferry.netty.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ferry.server.ServerConfig;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
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

        EmbeddedChannel ours = new EmbeddedChannel(new RequestDecoder(ServerConfig.defaults(), () -> { }));
        ours.writeInbound(Unpooled.wrappedBuffer(bytes));
        Object first = ours.readInbound();
        assertInstanceOf(Malformed.class, first, name);
        assertEquals(400, ((Malformed) first).response().status().code(), name);
        ours.finishAndReleaseAll();
    }

    @Test
    void checksAHeadPipelinedBehindAWholeRequest() {
        byte[] bytes = ("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok"
                + "GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n  b\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        EmbeddedChannel ours = new EmbeddedChannel(new RequestDecoder(ServerConfig.defaults(), () -> { }));
        ours.writeInbound(Unpooled.wrappedBuffer(bytes));
        Object head = ours.readInbound();
        assertInstanceOf(HttpRequest.class, head);
        Object body = ours.readInbound();
        assertInstanceOf(LastHttpContent.class, body);
        ReferenceCountUtil.release(body);
        Object next = ours.readInbound();
        assertInstanceOf(Malformed.class, next, "the second head is checked without waiting for the connection handler");
        assertEquals(400, ((Malformed) next).response().status().code());
        ours.finishAndReleaseAll();
    }
}
