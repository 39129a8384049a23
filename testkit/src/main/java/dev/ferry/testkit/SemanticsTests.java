package dev.ferry.testkit;

import dev.ferry.Status;
import dev.ferry.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTP/1.1 semantics every Ferry server must deliver the same way, the dev server included. */
abstract class SemanticsTests extends Tier {

    SemanticsTests(ConformanceSuite suite) {
        super(suite);
    }

    @Override
    ServerConfig config() {
        return base().maxRequestBody(4L * 1024 * 1024).build();
    }

    // --- methods

    @Test
    void getAnswers200WithBodyAndLength() throws IOException {
        RawResponse response = exchange(get("/hello"));
        assertEquals("HTTP/1.1", response.version());
        assertEquals(200, response.status());
        assertReason(200, response);
        assertEquals(ConformanceApp.HELLO, response.text());
        assertEquals(RawResponse.Framing.CONTENT_LENGTH, response.framing());
        assertEquals(List.of("13"), response.headers("Content-Length"));
        assertEquals("text/plain; charset=utf-8", response.header("Content-Type").orElseThrow());
    }

    @Test
    void responsesCarryDateAndNoServerHeader() throws IOException {
        RawResponse response = exchange(get("/hello"));
        assertEquals(1, response.headers("Date").size(), "one Date header: " + response.head());
        assertTrue(response.header("Date").orElseThrow().endsWith(" GMT"), "an IMF-fixdate: " + response.head());
        assertFalse(response.has("Server"), "Ferry servers add no Server header: " + response.head());
    }

    @Test
    void headHasLengthButNoBody() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(request("HEAD", "/hello")).readHead();
            assertEquals(200, response.status());
            assertEquals("13", response.header("Content-Length").orElse("missing"), response.head());
            assertReusable(client);
        }
    }

    @Test
    void headOfStreamedBodySendsNoBody() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(request("HEAD", "/stream-bytes/5000")).readHead();
            assertEquals(200, response.status());
            assertFalse(response.has("Content-Length"), "the length of a streamed body is not known: " + response.head());
            assertReusable(client);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "POST", "PUT", "DELETE", "PATCH", "TRACE", "PURGE"})
    void everyRoutedMethodReachesItsHandler(String method) throws IOException {
        String body = method.equals("GET") || method.equals("TRACE") ? "" : "Content-Length: 0";
        RawResponse response = exchange(body.isEmpty() ? request(method, "/method") : request(method, "/method", body));
        assertEquals(200, response.status(), response.head());
        assertEquals("method=" + method, response.text());
    }

    @Test
    void optionsListsAllowedMethods() throws IOException {
        RawResponse response = exchange(request("OPTIONS", "/hello"));
        assertEquals(204, response.status());
        assertEquals("GET, HEAD, OPTIONS", response.header("Allow").orElse("missing"));
    }

    @Test
    void unroutedStandardMethodIs405WithAllow() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(request("DELETE", "/hello")).read();
            assertEquals(405, response.status());
            assertReason(405, response);
            assertEquals("GET, HEAD, OPTIONS", response.header("Allow").orElse("missing"));
            assertReusable(client);
        }
    }

    @Test
    void unknownMethodIs501() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(request("BREW", "/hello")).read();
            assertEquals(501, response.status());
            assertReason(501, response);
            assertTrue(response.saysClose(), "every server closes after a 501: " + response.head());
            assertClosed(client, "after a 501");
        }
    }

    @Test
    void unknownPathIs404() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(get("/no/such/thing")).read();
            assertEquals(404, response.status());
            assertReason(404, response);
            assertEquals("Not Found", response.text());
            assertReusable(client);
        }
    }

    // --- status codes

    @ParameterizedTest
    @ValueSource(ints = {200, 201, 202, 301, 302, 400, 401, 403, 404, 409, 410, 500, 502, 503})
    void statusCodesWithReasonPhrases(int code) throws IOException {
        RawResponse response = exchange(get("/status/" + code));
        assertEquals(code, response.status());
        assertReason(code, response);
        assertEquals("status " + code, response.text());
    }

    @ParameterizedTest
    @ValueSource(ints = {413, 422, 429, 431})
    void newerReasonPhrasesFollowRfc9110(int code) throws IOException {
        RawResponse response = exchange(get("/status/" + code));
        assertEquals(code, response.status());
        assertReason(code, response);
    }

    @Test
    void noContentHasNoBodyAndNoLength() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(get("/no-content")).read();
            assertEquals(204, response.status());
            assertEquals("yes", response.header("X-Done").orElse("missing"));
            assertFalse(response.has("Content-Length"), response.head());
            assertFalse(response.has("Transfer-Encoding"), response.head());
            assertReusable(client);
        }
    }

    @Test
    void notModifiedHasNoBody() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(get("/not-modified")).read();
            assertEquals(304, response.status());
            assertEquals("\"v1\"", response.header("ETag").orElse("missing"));
            assertFalse(response.has("Transfer-Encoding"), response.head());
            assertReusable(client);
        }
    }

    @Test
    void emptyBodyHasContentLengthZero() throws IOException {
        RawResponse response = exchange(get("/empty"));
        assertEquals(200, response.status());
        assertEquals("0", response.header("Content-Length").orElse("missing"), response.head());
        assertFalse(response.has("Transfer-Encoding"));
    }

    // --- headers

    @Test
    void repeatedResponseHeadersStaySeparate() throws IOException {
        RawResponse response = exchange(get("/headers"));
        assertEquals(List.of("a", "b"), response.headers("X-Multi"), response.head());
    }

    @Test
    void responseHeaderValuesKeepTheirCase() throws IOException {
        RawResponse response = exchange(get("/headers"));
        assertEquals("Value-With-CASE", response.header("x-mixed-case").orElse("missing"));
    }

    @Test
    void repeatedRequestHeadersArriveInOrder() throws IOException {
        RawResponse response = exchange(request("GET", "/header/X-Rep", "X-Rep: one", "X-Other: z", "X-Rep: two"));
        assertEquals(200, response.status());
        assertEquals("one|two", response.text());
    }

    @Test
    void requestHeadersReachTheAppInOneOrderOnEveryServer() throws IOException {
        RawResponse response = exchange(request("GET", "/headers", "X-B: 2", "Accept: a", "X-A: 1", "x-b: 3"));
        assertEquals(200, response.status());
        List<String> lines = List.of(response.text().split("\n"));
        List<String> names = lines.stream().map(line -> line.substring(0, line.indexOf(':'))).toList();
        assertEquals(names.stream().sorted().toList(), names, "names in order: " + response.text());
        assertEquals(List.of("x-a: 1", "x-b: 2", "x-b: 3"), lines.stream().filter(line -> line.startsWith("x-")).toList());
    }

    @Test
    void requestHeaderNamesAreCaseInsensitive() throws IOException {
        RawResponse response = exchange(request("GET", "/header/X-Custom", "x-CuStOm: Some Value"));
        assertEquals("Some Value", response.text());
    }

    @Test
    void headerValuesAreTrimmed() throws IOException {
        RawResponse response = exchange(request("GET", "/header/X-Pad", "X-Pad: \t padded value \t"));
        assertEquals("padded value", response.text());
    }

    @Test
    void longHeaderWithinLimitsIsDelivered() throws IOException {
        String value = "v".repeat(6000);
        RawResponse response = exchange(request("GET", "/header/X-Long", "X-Long: " + value));
        assertEquals(200, response.status());
        assertEquals(value, response.text());
    }

    // --- targets

    @Test
    void queryIsDecoded() throws IOException {
        RawResponse response = exchange(get("/query?a=1&b=x+y&c=%E2%82%AC%20z&a=2"));
        assertEquals("a=1,2\nb=x y\nc=\u20ac z\nraw=a=1&b=x+y&c=%E2%82%AC%20z&a=2", response.text());
    }

    @Test
    void queryKeysWithoutValues() throws IOException {
        RawResponse response = exchange(get("/query?flag&empty="));
        assertEquals("flag=\nempty=\nraw=flag&empty=", response.text());
    }

    @Test
    void plusInPathIsLiteral() throws IOException {
        RawResponse response = exchange(get("/path/a+b"));
        assertEquals("param=a+b\npath=/path/a+b\nsegments=path|a+b", response.text());
    }

    @Test
    void encodedSlashStaysInsideItsSegment() throws IOException {
        RawResponse response = exchange(get("/path/a%2Fb"));
        assertEquals(200, response.status(), "%2F must not split the segment: " + response.head());
        assertEquals("param=a/b\npath=/path/a/b\nsegments=path|a/b", response.text());
    }

    @Test
    void nonAsciiPathIsDecodedAsUtf8() throws IOException {
        RawResponse response = exchange(get("/path/%C3%A9t%C3%A9%20%E2%82%AC"));
        assertEquals("param=\u00e9t\u00e9 \u20ac\npath=/path/\u00e9t\u00e9 \u20ac\nsegments=path|\u00e9t\u00e9 \u20ac",
                response.text());
    }

    @Test
    void tailParameterTakesTheRest() throws IOException {
        RawResponse response = exchange(get("/rest/a/b%20c/d"));
        assertEquals("rest=a/b c/d", response.text());
    }

    @Test
    void absoluteFormTargetIsAccepted() throws IOException {
        RawResponse response = exchange("GET http://localhost/hello HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertEquals(200, response.status());
        assertEquals(ConformanceApp.HELLO, response.text());
    }

    @Test
    void anAbsoluteFormTargetAndHostMustNameOneHost() throws IOException {
        RawResponse same = exchange("GET http://localhost/header/Host HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertEquals(200, same.status(), same.head());
        assertEquals("localhost", same.text());
        try (RawClient client = connect()) {
            RawResponse other = client.send("GET http://example.test:8080/hello HTTP/1.1\r\nHost: other.test\r\n\r\n").read();
            assertEquals(400, other.status(), "two hosts for one request: " + other.head());
            assertClosed(client, "after a 400 for a target and Host naming different hosts");
        }
    }

    @Test
    void mountedAppSeesItsOwnPath() throws IOException {
        RawResponse response = exchange(get("/admin/users/7?x=1"));
        assertEquals("context=/admin path=/users/7 id=7", response.text());
    }

    @Test
    void mountedAppRootIsSlash() throws IOException {
        RawResponse response = exchange(get("/admin"));
        assertEquals("context=/admin path=/", response.text());
    }

    // --- bodies

    @Test
    void requestBodyOfOneMebibyte() throws IOException {
        byte[] body = ConformanceApp.pattern(1024 * 1024);
        try (RawClient client = connect()) {
            client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n");
            client.send(body);
            RawResponse response = client.readFinal();
            assertEquals(200, response.status());
            assertEquals(Integer.toString(body.length), response.header("X-Body-Length").orElse("missing"));
            assertArrayEquals(body, response.body());
            assertReusable(client);
        }
    }

    @Test
    void responseBodyOfOneMebibyteHasContentLength() throws IOException {
        RawResponse response = exchange(get("/bytes/1048576"));
        assertEquals(200, response.status());
        assertEquals(RawResponse.Framing.CONTENT_LENGTH, response.framing());
        assertEquals("1048576", response.header("Content-Length").orElseThrow());
        assertArrayEquals(ConformanceApp.pattern(1024 * 1024), response.body());
    }

    @Test
    void bodyOfUnknownLengthIsChunked() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(get("/stream-bytes/1048576")).read();
            assertEquals(200, response.status());
            assertEquals(RawResponse.Framing.CHUNKED, response.framing(), response.head());
            assertFalse(response.has("Content-Length"), response.head());
            assertArrayEquals(ConformanceApp.pattern(1024 * 1024), response.body());
            assertReusable(client);
        }
    }

    @Test
    void chunkedRequestBody() throws IOException {
        try (RawClient client = connect()) {
            client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                    + "Content-Type: text/plain\r\n\r\n5\r\nHello\r\n2;ext=1\r\n, \r\n6\r\nWorld!\r\n0\r\n\r\n");
            RawResponse response = client.readFinal();
            assertEquals(200, response.status());
            assertEquals("Hello, World!", response.text());
            assertEquals("13", response.header("X-Body-Length").orElse("missing"));
            assertReusable(client);
        }
    }

    @Test
    void chunkedRequestBodyWithTrailer() throws IOException {
        try (RawClient client = connect()) {
            client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3\r\nabc\r\n0\r\nX-Checksum: 42\r\n\r\n");
            RawResponse response = client.readFinal();
            assertEquals(200, response.status());
            assertEquals("abc", response.text());
            assertReusable(client);
        }
    }

    @Test
    void largeChunkedRequestBody() throws IOException {
        byte[] body = ConformanceApp.pattern(1024 * 1024);
        ByteArrayOutputStream chunked = new ByteArrayOutputStream();
        for (int at = 0; at < body.length; at += 65536) {
            int n = Math.min(65536, body.length - at);
            chunked.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            chunked.write(body, at, n);
            chunked.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        chunked.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        try (RawClient client = connect()) {
            client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
            client.send(chunked.toByteArray());
            RawResponse response = client.readFinal();
            assertEquals(200, response.status());
            assertArrayEquals(body, response.body());
        }
    }

    @Test
    void postWithoutBodyIsEmpty() throws IOException {
        RawResponse response = exchange(request("POST", "/echo", "Content-Length: 0"));
        assertEquals(200, response.status());
        assertEquals("0", response.header("X-Body-Length").orElse("missing"));
    }

    @Test
    void formBodyIsDecoded() throws IOException {
        String form = "a=1&b=x+y&c=%C3%A9";
        RawResponse response = exchange("POST /form HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: " + form.length() + "\r\n\r\n" + form);
        assertEquals("a=1 b=x y c=\u00e9", response.text());
    }

    @Test
    void flushSendsTheFirstChunkBeforeTheHandlerFinishes() throws IOException, InterruptedException {
        try (RawClient client = connect()) {
            client.send(get("/flush/f1"));
            RawResponse head = client.readHeaders();
            assertEquals(200, head.status());
            assertEquals(RawResponse.Framing.CHUNKED, head.framing(), head.head());
            assertEquals("first\n", new String(client.readChunk(), StandardCharsets.UTF_8));
            assertFalse(app.completed().contains("f1"), "the body's writer is still waiting");
            app.release("f1");
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            byte[] chunk;
            while ((chunk = client.readChunk()).length > 0) {
                rest.writeBytes(chunk);
            }
            assertEquals("second\n", rest.toString(StandardCharsets.UTF_8));
            assertTrue(await(() -> app.completed().contains("f1"), Duration.ofSeconds(5)));
            assertReusable(client);
        }
    }

    // --- Expect: 100-continue

    @Test
    void expectContinueGets100BeforeTheBodyIsSent() throws IOException {
        try (RawClient client = connect()) {
            client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            RawResponse interim = client.read();
            assertEquals(100, interim.status(), "100 Continue before the body: " + interim.head());
            client.send("hello");
            RawResponse response = client.readFinal();
            assertEquals(200, response.status());
            assertEquals("hello", response.text());
            assertReusable(client);
        }
    }

    @Test
    void expectContinueWithTheBodySentAtOnce() throws IOException {
        try (RawClient client = connect()) {
            client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello");
            RawResponse response = client.readFinal();
            assertEquals(200, response.status());
            assertEquals("hello", response.text());
            assertReusable(client);
        }
    }

    // --- connections

    @Test
    void keepAliveServesManyRequests() throws IOException {
        try (RawClient client = connect()) {
            for (int i = 0; i < 10; i++) {
                RawResponse response = client.send(get("/path/r" + i)).read();
                assertEquals(200, response.status());
                assertTrue(response.text().startsWith("param=r" + i + "\n"));
                assertFalse(response.saysClose());
            }
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws IOException {
        try (RawClient client = connect()) {
            client.send(get("/path/one") + post("/echo", "two") + request("HEAD", "/hello") + get("/path/four"));
            assertTrue(client.read().text().startsWith("param=one\n"));
            assertEquals("two", client.read().text());
            RawResponse head = client.readHead();
            assertEquals("13", head.header("Content-Length").orElse("missing"));
            assertTrue(client.read().text().startsWith("param=four\n"));
            assertReusable(client);
        }
    }

    @Test
    void emptyLinesBeforeARequestLineAreIgnored() throws IOException, InterruptedException {
        try (RawClient client = connect()) {
            // RFC 9112 section 2.2: the CRLF an old client sends after a POST body, and a few more
            client.send("\r\n" + get("/path/one") + post("/echo", "two") + "\r\n\r\n" + get("/path/three"));
            assertTrue(client.read().text().startsWith("param=one\n"));
            assertEquals("two", client.read().text());
            assertTrue(client.read().text().startsWith("param=three\n"));
            client.send("\r");
            Thread.sleep(50);
            client.send("\n\r\n" + get("/path/four"));
            assertTrue(client.read().text().startsWith("param=four\n"), "an empty line split across packets");
            assertReusable(client);
        }
    }

    @Test
    void connectionCloseIsHonoured() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(request("GET", "/hello", "Connection: close")).read();
            assertEquals(200, response.status());
            assertTrue(response.saysClose(), "the response says Connection: close: " + response.head());
            assertClosed(client, "after a request with Connection: close");
        }
    }

    /**
     * A closing answer arrives whole even when the client sent more that the server will not read: a server
     * that closes with those bytes unread makes its kernel reset the connection and drop what it had not sent
     * yet, so it must read on until the client has the answer.
     */
    @Test
    void aClosingAnswerArrivesWholeThoughTheClientSentMore() throws IOException {
        int size = 4 << 20;
        java.net.Socket socket = new java.net.Socket();
        socket.setReceiveBufferSize(32 * 1024); // a small window: the server still has much to send when it closes
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
        try (RawClient client = RawClient.over(socket)) {
            client.timeout(Duration.ofSeconds(10));
            client.send(request("GET", "/bytes/" + size, "Connection: close")
                    + "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(4000));
            RawResponse response = client.read();
            assertEquals(200, response.status());
            assertTrue(response.saysClose(), response.head());
            assertArrayEquals(ConformanceApp.pattern(size), response.body(), "the whole answer");
            assertTrue(client.closedWithin(CLOSE_SLACK), "the server closes after the answer");
            assertEquals(0, client.discarded().length, "nothing after the answer");
        }
    }

    @Test
    void requestAfterHalfCloseIsStillAnswered() throws IOException {
        try (RawClient client = connect()) {
            client.send(get("/hello"));
            client.halfClose();
            RawResponse response = client.read();
            assertEquals(200, response.status());
            assertEquals(ConformanceApp.HELLO, response.text());
            assertClosed(client, "once the client has closed its side and the response is sent");
        }
    }

    @Test
    void http10ClientIsAnsweredAndClosed() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send("GET /hello HTTP/1.0\r\n\r\n").read();
            assertEquals(200, response.status());
            assertEquals(ConformanceApp.HELLO, response.text());
            assertTrue(response.version().equals("HTTP/1.1") || response.version().equals("HTTP/1.0"));
            assertClosed(client, "after an HTTP/1.0 request without keep-alive");
        }
    }

    @Test
    void http10ClientNeverGetsChunked() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send("GET /stream-bytes/20000 HTTP/1.0\r\n\r\n").read();
            assertEquals(200, response.status());
            assertNotEquals(RawResponse.Framing.CHUNKED, response.framing(), response.head());
            assertArrayEquals(ConformanceApp.pattern(20000), response.body());
            assertClosed(client, "after an HTTP/1.0 response");
        }
    }

    // --- cookies, errors, peers

    @Test
    void cookiesAreReadAndSet() throws IOException {
        RawResponse response = exchange(request("GET", "/cookies", "Cookie: session=abc; theme=dark"));
        assertEquals("session=abc theme=dark", response.text());
        assertEquals(List.of("a=1; Path=/", "b=2; HttpOnly"), response.headers("Set-Cookie"));
    }

    @Test
    void handlerExceptionIsAGeneric500() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(get("/fail")).read();
            assertEquals(500, response.status());
            assertReason(500, response);
            assertEquals("Internal Server Error", response.text(), "a generic body without details");
            assertFalse(response.text().contains("secret-detail-42"));
            assertTrue(response.saysClose(), "every server closes after a 500: " + response.head());
            assertClosed(client, "after a 500");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 403, 404, 409, 422, 503})
    void httpExceptionAnswersItsStatus(int code) throws IOException {
        RawResponse response = exchange(get("/refuse/" + code));
        assertEquals(code, response.status());
        assertEquals("refused " + code, response.text());
    }

    @Test
    void remoteAddressSchemeAndVersion() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(get("/remote")).read();
            assertEquals("remote=127.0.0.1:" + client.localPort() + "\nscheme=http\nversion=HTTP/1.1", response.text());
        }
    }

    @Test
    void portZeroBindsARealPort() {
        assertTrue(server.port() > 0 && server.port() <= 65535, "port " + server.port());
        assertEquals(suite.provider().name(), server.name());
    }

    // --- what the engine decides, the same on every server

    @Test
    void writerFailingBeforeItWritesIs500AndCloses() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(get("/fail-stream/before")).read();
            assertEquals(500, response.status(), response.head());
            assertEquals("Internal Server Error", response.text());
            assertTrue(response.saysClose(), response.head());
            assertClosed(client, "after a 500 for a writer that failed before writing");
        }
    }

    @Test
    void writerFailingAfterFlushedChunksCutsTheConnection() throws IOException {
        try (RawClient client = connect()) {
            client.send(get("/fail-stream/after"));
            RawResponse head = client.readHeaders();
            assertEquals(200, head.status(), head.head());
            assertEquals(RawResponse.Framing.CHUNKED, head.framing(), head.head());
            StringBuilder received = new StringBuilder();
            boolean lastChunk = false;
            try {
                while (true) {
                    byte[] chunk = client.readChunk();
                    if (chunk.length == 0) {
                        lastChunk = true;
                        break;
                    }
                    received.append(new String(chunk, StandardCharsets.UTF_8));
                }
            } catch (IOException cut) {
                // the connection ended inside the body: what a client must see
            }
            assertFalse(lastChunk, "a body the app failed to finish must never end with the last chunk; got: " + received);
            assertTrue("first\nsecond\n".startsWith(received.toString()), received.toString());
        }
    }

    @Test
    void appContentLengthOnAStreamedBodyIsItsOnlyFraming() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(get("/streamed-length/3000")).read();
            assertEquals(200, response.status());
            assertEquals(List.of("3000"), response.headers("Content-Length"), response.head());
            assertFalse(response.has("Transfer-Encoding"), "Content-Length and chunked never together: " + response.head());
            assertArrayEquals(ConformanceApp.pattern(3000), response.body());
            assertReusable(client);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fixed", "streamed", "reflected-cookie?path=/app%C4%BB%20Domain=evil.example"})
    void headerValuesThatCannotBeSentAre500BeforeAnythingIsWritten(String kind) throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(get("/bad-header/" + kind)).read();
            assertEquals(500, response.status(), response.head());
            assertFalse(response.has("X-Bad"), response.head());
            assertFalse(response.has("Set-Cookie"), response.head());
            assertFalse(response.head().contains("evil.example"), response.head());
        }
    }

    @Test
    void responseHeaderNamesKeepTheAppsSpelling() throws IOException {
        RawResponse response = exchange(get("/header-case"));
        List<String> names = response.fields().stream().map(java.util.Map.Entry::getKey).toList();
        for (String name : List.of("X-Mixed-Case", "x-lower-case", "X-UPPER-CASE")) {
            assertTrue(names.contains(name), name + " as the app wrote it: " + response.head());
        }
    }

    @Test
    void connectionKeepAliveCloseCloses() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(request("GET", "/hello", "Connection: keep-alive, close")).read();
            assertEquals(200, response.status());
            assertTrue(response.saysClose(), "close wins over keep-alive in one field: " + response.head());
            assertClosed(client, "after a request whose Connection field lists close");
        }
    }

    @Test
    void interimContinueHasNoLengthOrFraming() throws IOException {
        try (RawClient client = connect()) {
            client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
            RawResponse interim = client.read();
            assertEquals(100, interim.status(), interim.head());
            assertFalse(interim.has("Content-Length"), "RFC 9110: no Content-Length on a 1xx: " + interim.head());
            assertFalse(interim.has("Transfer-Encoding"), interim.head());
            client.send("ok");
            assertEquals("ok", client.readFinal().text());
        }
    }

    @Test
    void expectContinueIsNotSentWhenTheHandlerAnswersWithoutTheBody() throws IOException {
        try (RawClient client = connect()) {
            client.send("POST /ignore HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n");
            RawResponse response = client.read();
            assertEquals(200, response.status(), "the final answer, with no 100 Continue first: " + response.head());
            assertEquals("ignored", response.text());
            assertTrue(response.saysClose(), "the body was never invited, so the connection cannot be reused: "
                    + response.head());
            assertClosed(client, "after answering a request whose body was never invited");
        }
    }

    @Test
    void aSecondServerOnTheSamePortFailsWithOneMessage() {
        ServerConfig taken = base().host("127.0.0.1").port(server.port()).build();
        java.io.UncheckedIOException failure = org.junit.jupiter.api.Assertions.assertThrows(
                java.io.UncheckedIOException.class, () -> suite.provider().start(app.handler(), taken).close());
        assertEquals("cannot listen on 127.0.0.1:" + server.port() + ": address already in use", failure.getMessage());
    }
}
