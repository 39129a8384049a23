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
    void theHttp2PrefaceOpeningAConnectionPassesItsFramesWhenHttp2IsOn() {
        String preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
        String frames = preface + "\0\0\0\4\0\0\0\0\0GET / HTTP/1.1\r\n\0\r\n";
        HeadCheck check = HeadCheck.following(ServerConfig.defaults());
        assertEquals(preface.length(), check.scan(bytes(frames), 0, frames.length()));
        assertTrue(check.http2());
        assertEquals(frames.length(), check.scan(bytes(frames), preface.length(), frames.length()));
        assertFalse(check.failed());
        assertFalse(check.inHead());

        HeadCheck split = HeadCheck.following(ServerConfig.defaults());
        for (int i = 0; i < preface.length(); i++) {
            split.scan(bytes(preface), i, i + 1);
        }
        assertTrue(split.http2(), "a preface that arrives a byte at a time");

        ServerConfig off = ServerConfig.builder().http2(false).build();
        assertEquals("505", outcome(off, preface, false));
        assertEquals("400", outcome(ServerConfig.defaults(), "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", false));
        assertEquals("505", outcome(ServerConfig.defaults(), GET + preface, false), "only a connection's first bytes");
        assertEquals("505", outcome(ServerConfig.defaults(), "\r\n" + preface, false));
        assertEquals("505", outcome(ServerConfig.defaults(), "GET / HTTP/2.0\r\nHost: h\r\n\r\n", false));
    }

    @Test
    void chunkLinesFollowTheGrammarExactly() {
        String head = "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
        String[] good = {"5\r\nhello\r\n0\r\n\r\n", "5;a=b\r\nhello\r\n0\r\n\r\n", "5;a=\"q v\"\r\nhello\r\n0\r\n\r\n",
            "5; a ;b = c\t;d=\"\"\r\nhello\r\n0\r\nX-T: v\t1\r\n\r\n", "5;a=\"x\"\r\nhello\r\n0\r\n\r\n", "00005\r\nhello\r\n0\r\n\r\n"};
        for (String body : good) {
            HeadCheck check = HeadCheck.following(ServerConfig.defaults());
            String input = head + body + GET;
            assertEquals(input.length(), check.scan(bytes(input), 0, input.length()), body);
            assertFalse(check.failed(), body);
        }
        String[] bad = {"5 junk\r\nhello\r\n0\r\n\r\n", "5;a\u0001b\r\nhello\r\n0\r\n\r\n", "5;a\nhello\r\n0\r\n\r\n",
            "5\r\nhello\r\n0\r\nX-T: a\u0000b\r\n\r\n", "5\r\nhello\r\n0\r\n folded\r\n\r\n",
            "5\r\nhello\r\n0\r\nno-colon\r\n\r\n", "5\r\nhello\r\n0\r\nX-T: a\rb\r\n\r\n", " 5\r\nhello\r\n0\r\n\r\n",
            "5 ;a=b\r\nhello\r\n0\r\n\r\n", "5\t\r\nhello\r\n0\r\n\r\n", "5;;\r\nhello\r\n0\r\n\r\n", "5;\r\nhello\r\n0\r\n\r\n",
            "5;a=\"x\\\\y\"\r\nhello\r\n0\r\n\r\n", "5;a=b c\r\nhello\r\n0\r\n\r\n", "000000005\r\nhello\r\n0\r\n\r\n",
            "5;a=b \r\nhello\r\n0\r\n\r\n", "5;a \r\nhello\r\n0\r\n\r\n", "5;a=\"x\" \r\nhello\r\n0\r\n\r\n"};
        for (String body : bad) {
            HeadCheck check = HeadCheck.following(ServerConfig.defaults());
            String input = head + body + GET;
            check.scan(bytes(input), 0, input.length());
            assertTrue(check.failed() && check.malformedBody(), body);
        }
    }

    @Test
    void hostsAreWhatEveryServerTakes() {
        ServerConfig config = ServerConfig.defaults();
        for (String host : new String[] {"localhost", "a-b.example", "127.0.0.1:8080", "[::1]", "[fe80::1]:65535", "X9",
                "[1:2:3:4:5:6:7:8]", "[::]"}) {
            assertEquals("accepted", outcome(config, "GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n", false), host);
            assertEquals("accepted", outcome(config, "GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n", true), host);
        }
        for (String host : new String[] {"-", "a..b", ".a", "a.", "-a", "a-", "a_b", "h:0", "h:", "h:65536", "h:08", ": h", "[::1",
                "[zz]", "a b", "a;b", "x".repeat(256), "[::1.2.3.4]", "[1:2]", "[1:::2]", "[12345::1]", "[1::2::3]", "[1:2:3:4:5:6:7:8:9]"}) {
            assertEquals("400", outcome(config, "GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n", false), host);
            assertEquals("400", outcome(config, "GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n", true), host);
        }
    }

    @Test
    void anAbsoluteFormTargetMustNameTheHostOfHost() {
        ServerConfig config = ServerConfig.defaults();
        assertEquals("accepted", outcome(config, "GET http://example.test:80/a?b HTTP/1.1\r\nHost: example.test:80\r\n\r\n", false));
        assertEquals("400", outcome(config, "GET http://example.test/a HTTP/1.1\r\nHost: other.test\r\n\r\n", false));
        assertEquals("400", outcome(config, "GET http://example.test/a HTTP/1.1\r\nHost: other.test\r\n\r\n", true));
        assertEquals("400", outcome(config, "GET http://example.test:81 HTTP/1.1\r\nHost: example.test:80\r\n\r\n", false));
        assertEquals("accepted", outcome(config, "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", false));
    }

    @Test
    void requestsServersWouldReadApartAreRefused() {
        ServerConfig config = ServerConfig.defaults();
        for (boolean byteByByte : new boolean[] {false, true}) {
            assertEquals("501", outcome(config, "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", byteByByte));
            assertEquals("accepted", outcome(config, "CONNECX / HTTP/1.1\r\nHost: h\r\n\r\n", byteByByte));
            assertEquals("400", outcome(config, "GET /\u00e9 HTTP/1.1\r\nHost: h\r\n\r\n", byteByByte));
            assertEquals("400", outcome(config, "GET /?q=\u00e9 HTTP/1.1\r\nHost: h\r\n\r\n", byteByByte));
            assertEquals("400", outcome(config, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", byteByByte));
            assertEquals("400", outcome(config, "GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n", byteByByte));
            assertEquals("accepted", outcome(config, "GET HTTPS://h/ HTTP/1.1\r\nHost: h\r\n\r\n", byteByByte));
            assertEquals("400", outcome(config, "GET http://a.b/ HTTP/1.1\r\nHost: A.B\r\n\r\n", byteByByte));
            assertEquals("400", outcome(config, "GET * HTTP/1.1\r\nHost: h\r\n\r\n", byteByByte));
            assertEquals("400", outcome(config, "OPTIONS *?x HTTP/1.1\r\nHost: h\r\n\r\n", byteByByte));
            assertEquals("400", outcome(config, "GET http://user@h/ HTTP/1.0\r\n\r\n", byteByByte));
            assertEquals("accepted", outcome(config, "GET http://h/a@b HTTP/1.0\r\n\r\n", byteByByte));
            assertEquals("accepted", outcome(config, "OPTIONS * HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", byteByByte));
            assertEquals("400", outcome(config, "OPTIONS * HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", byteByByte));
        }
    }

    @Test
    void headsAcrossTheEdgeOfTheCheckBlockAreChecked() {
        // the check copies bytes out in blocks of 512: every way a head can straddle one must read as one
        ServerConfig config = ServerConfig.builder().maxRequestLine(1024).build();
        for (int length = 480; length <= 530; length++) {
            String line = "GET /?q=" + "a".repeat(length - 17) + " HTTP/1.1";
            String head = line + "\r\nHost: localhost\r\n\r\n";
            HeadCheck check = HeadCheck.following(config);
            assertEquals(head.length(), check.scan(bytes(head), 0, head.length()), "a request line of " + line.length());
            assertFalse(check.failed(), "a request line of " + line.length());
            String pipelined = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: " + length + "\r\n\r\n" + "b".repeat(length) + GET;
            HeadCheck following = HeadCheck.following(config);
            assertEquals(pipelined.length(), following.scan(bytes(pipelined), 0, pipelined.length()), "a body of " + length);
            assertFalse(following.failed() || following.inHead(), "a body of " + length);
        }
    }

    @Test
    void methodsAreAtMost32Characters() {
        ServerConfig config = ServerConfig.defaults();
        assertEquals("accepted", outcome(config, "X".repeat(32) + " / HTTP/1.1\r\nHost: h\r\n\r\n", false));
        assertEquals("400", outcome(config, "X".repeat(33) + " / HTTP/1.1\r\nHost: h\r\n\r\n", false));
        assertEquals("400", outcome(config, "X".repeat(33) + " / HTTP/1.1\r\nHost: h\r\n\r\n", true));
    }

    @Test
    void chunkExtensionsAreLimitedInTotalAsHeadersAre() {
        ServerConfig config = ServerConfig.builder().maxHeaderBytes(1024).build();
        String chunk = "1;" + "e".repeat(100) + "\r\nx\r\n";
        String input = "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk.repeat(20) + "0\r\n\r\n";
        HeadCheck check = HeadCheck.following(config);
        check.scan(bytes(input), 0, input.length());
        assertTrue(check.malformedBody(), "2,000 bytes of extensions over a 1,024-byte limit, none over it alone");
        String within = "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk.repeat(9) + "0\r\n\r\n";
        HeadCheck fine = HeadCheck.following(config);
        assertEquals(within.length(), fine.scan(bytes(within), 0, within.length()));
        assertFalse(fine.failed());
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

    /** Feeds the input in one scan, where whole heads take the one-pass path, or byte by byte, where none can. */
    private static String outcome(ServerConfig config, String input, boolean byteByByte) {
        HeadCheck check = HeadCheck.following(config);
        ByteBuffer buffer = bytes(input);
        int at = 0;
        int step = byteByByte ? 1 : input.length();
        while (at < input.length() && !check.failed()) {
            int stop = check.scan(buffer, at, Math.min(input.length(), at + step));
            at = check.blank() > 0 || check.failed() ? stop : Math.min(input.length(), at + step);
        }
        Response refusal = check.refusal();
        return (refusal == null ? "accepted" : String.valueOf(refusal.status().code())) + (check.inHead() ? " in head" : "");
    }

    @Test
    void wholeHeadsGetTheSameAnswerAsBytesOneByOne() {
        ServerConfig config = ServerConfig.builder().maxRequestLine(40).maxHeaderBytes(60).maxHeaderCount(3).build();
        String line = "GET /" + "a".repeat(40 - 14) + " HTTP/1.1";
        String[] inputs = {
            GET, "GET /a HTTP/1.0\r\n\r\n", "GET /a HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", "GET /a HTTP/1.1\r\n\r\n",
            "GET /a HTTP/1.1\r\nHOST: h\r\n\r\n", "GET /a HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n",
            line + "\r\nHost: h\r\n\r\n", "GET /" + "a".repeat(40 - 13) + " HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /a HTTP/1.1\r\nHost: h\r\nX: " + "v".repeat(60 - 14) + "\r\n\r\n",
            "GET /a HTTP/1.1\r\nHost: h\r\nX: " + "v".repeat(60 - 13) + "\r\n\r\n",
            "GET /a HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", "GET /a HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
            "GET /a HTTP/1.2\r\nHost: h\r\n\r\n", "GET /a HTTP/2.0\r\nHost: h\r\n\r\n", "GET /a HTTP/1.1 \r\nHost: h\r\n\r\n",
            "GET  /a HTTP/1.1\r\nHost: h\r\n\r\n", "GE(T /a HTTP/1.1\r\nHost: h\r\n\r\n", "GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /%41 HTTP/1.1\r\nHost: h\r\n\r\n", "GET /%4 HTTP/1.1\r\nHost: h\r\n\r\n", "GET /\u00e9 HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /a HTTP/1.1\nHost: h\r\n\r\n", "GET /a HTTP/1.1\r\nHost: h\n\r\n", "GET /a HTTP/1.1\r\nHost: h\rX\r\n\r\n",
            "GET /a HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", "GET /a HTTP/1.1\r\nHost : h\r\n\r\n",
            "GET /a HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", "GET /a HTTP/1.1\r\nHost: h\r\nX: a\u0000b\r\n\r\n",
            "GET /a HTTP/1.1\r\nHost: h\r\nX: a\tb\r\n\r\n", "GET /a HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n",
            "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok" + GET,
            "POST /a HTTP/1.1\r\nHost: h\r\ncontent-length: 2\r\nContent-Length: 2\r\n\r\nok",
            "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + GET,
            "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
            "GET /a HTTP/1.1\r\nHost: h\r\nIf-Modified-Since: x\r\nContent-Lengths: 1\r\n\r\n",
            "\r\n" + GET, GET + "\r\n\r\n" + GET, GET + "GET /b HTTP/1.1\r\nHo", "GET /a HTTP/1.1\r\nHost: h\r\n\r",
        };
        for (String input : inputs) {
            assertEquals(outcome(config, input, true), outcome(config, input, false), input);
        }
        assertEquals("accepted", outcome(config, line + "\r\nHost: h\r\n\r\n", false), "a request line at the limit");
        assertEquals("505", outcome(config, "GET /a HTTP/1.2\r\nHost: h\r\n\r\n", false), "HTTP/1.x is 1.0 or 1.1");
        assertEquals("accepted", outcome(config, inputs[8], false), "header bytes at the limit");
        assertEquals("431", outcome(config, inputs[9], false), "header bytes one over the limit");
        assertEquals("431", outcome(config, inputs[11], false), "one field over the count");
        assertEquals("414", outcome(config, "GET /" + "a".repeat(40 - 13) + " HTTP/1.1\r\nHost: h\r\n\r\n", false));
    }
}
