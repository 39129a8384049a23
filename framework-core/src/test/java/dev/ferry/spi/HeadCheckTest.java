package dev.ferry.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.Body;
import dev.ferry.Response;
import dev.ferry.server.ServerConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HeadCheckTest {

    private static final String GET = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";

    private static ByteBuffer bytes(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String text(Response response) {
        return StandardCharsets.UTF_8.decode(((Body.Bytes) response.body()).buffer()).toString();
    }

    @Test
    void passesPipelinedRequestsWithTheirBodies() {
        String input = "POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
                + "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n" + GET;
        HeadCheck check = HeadCheck.following(ServerConfig.defaults());
        assertEquals(input.length(), check.scan(bytes(input), 0, input.length()));
        assertFalse(check.inHead());
        assertFalse(check.failed());
    }

    @Test
    void reportsWhereAPartialHeadStartsAndFinishesItLater() {
        String input = GET + "GET /b HTTP/1.1\r\nHo";
        HeadCheck check = HeadCheck.following(ServerConfig.defaults());
        assertEquals(input.length(), check.scan(bytes(input), 0, input.length()));
        assertTrue(check.inHead());
        assertEquals(GET.length(), check.headStart());
        String rest = "st: h\r\n\r\n";
        assertEquals(rest.length(), check.scan(bytes(rest), 0, rest.length()));
        assertFalse(check.inHead());
    }

    @Test
    void stopsAfterEachEmptyLineBeforeARequestLine() {
        String input = "\r\n\r\n" + GET;
        HeadCheck check = HeadCheck.following(ServerConfig.defaults());
        assertEquals(2, check.scan(bytes(input), 0, input.length()));
        assertEquals(2, check.blank());
        assertEquals(4, check.scan(bytes(input), 2, input.length()));
        assertEquals(2, check.blank());
        assertEquals(input.length(), check.scan(bytes(input), 4, input.length()));
        assertEquals(0, check.blank());
        assertFalse(check.failed());
    }

    @Test
    void refusesEmptyLinesWithoutTheirCrOrLf() {
        assertEquals(400, refusalOf(ServerConfig.defaults(), "\rGET /a HTTP/1.1\r\nHost: h\r\n\r\n"));
        assertEquals(400, refusalOf(ServerConfig.defaults(), "\n" + GET));
    }

    @Test
    void refusesAMalformedHeadAtItsStartWithConnectionClose() {
        String input = GET + "GET /b HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n";
        HeadCheck check = HeadCheck.following(ServerConfig.defaults());
        assertEquals(GET.length(), check.scan(bytes(input), 0, input.length()));
        assertTrue(check.failed());
        Response refusal = check.refusal();
        assertEquals(400, refusal.status().code());
        assertEquals("close", refusal.headers().firstOrNull("Connection"));
    }

    @Test
    void wordsABadEscapeAsTheCoreDoes() {
        String input = "GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n";
        HeadCheck check = HeadCheck.following(ServerConfig.defaults());
        check.scan(bytes(input), 0, input.length());
        Response refusal = check.refusal();
        assertEquals(400, refusal.status().code());
        assertTrue(text(refusal).startsWith("Bad Request: "), text(refusal));
    }

    @Test
    void answersTheLimitsWithTheirStatuses() {
        ServerConfig config = ServerConfig.builder().maxRequestLine(64).maxHeaderBytes(128).maxHeaderCount(4).build();
        assertEquals(414, refusalOf(config, "GET /" + "a".repeat(100) + " HTTP/1.1\r\nHost: h\r\n\r\n"));
        assertEquals(431, refusalOf(config, "GET / HTTP/1.1\r\nHost: h\r\nX: " + "b".repeat(200) + "\r\n\r\n"));
        assertEquals(431, refusalOf(config, "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n"));
        assertEquals(505, refusalOf(config, "GET / HTTP/2.0\r\nHost: h\r\n\r\n"));
        assertEquals(400, refusalOf(config, "GET / HTTP/1.1\r\n\r\n"));
        assertEquals(400, refusalOf(config, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"));
    }

    private static int refusalOf(ServerConfig config, String input) {
        HeadCheck check = HeadCheck.following(config);
        check.scan(bytes(input), 0, input.length());
        Response refusal = check.refusal();
        return refusal == null ? 0 : refusal.status().code();
    }

    @Test
    void flagsABrokenChunkedBodyAtItsBadByte() {
        String head = "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
        String input = head + "zz\r\n";
        HeadCheck check = HeadCheck.following(ServerConfig.defaults());
        assertEquals(head.length(), check.scan(bytes(input), 0, input.length()));
        assertTrue(check.malformedBody());
        assertNull(check.refusal());
    }

    @Test
    void headsOnlyPausesAfterEachHeadUntilTold() {
        String input = "POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
        int head = input.indexOf("hello");
        HeadCheck check = HeadCheck.headsOnly(ServerConfig.defaults());
        assertEquals(head, check.scan(bytes(input), 0, input.length()));
        assertTrue(check.paused());
        assertEquals(head, check.scan(bytes(input), head, input.length()), "a paused check reads nothing");
        check.expectHead();
        assertFalse(check.paused());
        assertEquals(GET.length(), check.scan(bytes(GET), 0, GET.length()));
        assertTrue(check.paused());
    }
}
