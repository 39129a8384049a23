package dev.ferry.testkit;

import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.server.Tls;
import dev.ferry.spi.ContinuationLimit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP/2, required of production servers (the dev server speaks HTTP/1.1 only and answers the preface with 505, so
 * the whole tier is reported skipped there): h2c with prior knowledge through {@link RawH2} and {@code curl}, h2 over
 * TLS by ALPN through {@code curl}, {@code nghttp} and the JDK's client; request bodies streamed up in DATA frames,
 * responses flushed down frame by frame, the body and header limits, an exception and an abort that end one stream
 * and leave the others, connection fields refused, the stream limit in SETTINGS, GOAWAY on a graceful stop, a rapid
 * reset flood, and {@code ferry.http2=false}. Tagged {@code http2}: {@code -Dgroups=http2} runs this tier alone.
 */
@Tag("http2")
abstract class Http2Tests extends Tier {

    /** Not the server's default of 100, so that the SETTINGS frame shows the mapping. */
    static final int MAX_STREAMS = 32;
    static final int MAX_HEADER_BYTES = 8192;
    static final int MAX_BODY = 16 * 1024;

    private Path dir;
    private Path bundle;
    private Tools.Material material;
    private Path cert;
    private Path key;

    Http2Tests(ConformanceSuite suite) {
        super(suite);
    }

    @Override
    ServerConfig config() {
        Assumptions.assumeTrue(suite.provider().production(), "HTTP/2 is required of production servers; the dev server "
                + "speaks HTTP/1.1 only and answers the HTTP/2 preface with 505");
        Assumptions.assumeTrue(suite.speaksHttp2(), suite.provider().name() + " speaks HTTP/1.1 only (speaksHttp2() is false)");
        return base().http2MaxStreams(MAX_STREAMS).maxHeaderBytes(MAX_HEADER_BYTES).maxRequestBody(MAX_BODY).build();
    }

    @AfterAll
    void deleteFiles() throws IOException {
        Tools.deleteFiles(dir);
    }

    /** Starts the tier's app over TLS with an EC certificate made by keytool, HTTP/2 on. */
    private Server startTls() throws IOException {
        if (dir == null) {
            try {
                dir = Files.createTempDirectory("ferry-h2");
                material = Tools.material(dir, "ec", "-keyalg", "EC", "-groupname", "secp256r1");
                cert = Files.writeString(dir.resolve("cert.pem"), material.certificatePem());
                key = Files.writeString(dir.resolve("key.pem"), material.keyPem());
                bundle = cert;
            } catch (GeneralSecurityException | InterruptedException e) {
                throw new AssertionError("cannot make the test certificate with keytool", e);
            }
        }
        // the handshake counts against the request header timeout: a second more than the tier's 1 s keeps a
        // loaded machine's slow handshake from being cut (the Tls tier tests that timeout itself)
        return suite.start(handler(), config().toBuilder().tls(Tls.pem(cert, key))
                .requestHeaderTimeout(HEADER_TIMEOUT.plusSeconds(2)).build());
    }

    private static void assertServed(RawH2.Reply reply, String body) {
        assertEquals(200, reply.status(), reply.toString());
        assertTrue(reply.complete(), "the stream ended with END_STREAM: " + reply);
        assertEquals(body, reply.text());
    }

    // --- h2c with prior knowledge

    /** The server's first SETTINGS frame carries the stream limit; a PING is answered with its payload. */
    @Test
    void settingsAdvertiseTheStreamLimit() throws IOException {
        try (RawH2 h2 = RawH2.connect(port)) {
            Map<Integer, Long> settings = h2.serverSettings();
            assertEquals(Long.valueOf(MAX_STREAMS), settings.get(RawH2.SETTINGS_MAX_CONCURRENT_STREAMS),
                    "SETTINGS_MAX_CONCURRENT_STREAMS is ferry.http2-max-streams: " + settings);
            Long headerList = settings.get(RawH2.SETTINGS_MAX_HEADER_LIST_SIZE);
            assertTrue(headerList == null || headerList >= MAX_HEADER_BYTES,
                    "SETTINGS_MAX_HEADER_LIST_SIZE, when sent, lets a header list of maxHeaderBytes through: " + settings);
            h2.ping(0x0123456789ABCDEFL);
            RawH2.Frame ack = h2.next();
            while (ack != null && !(ack.type() == RawH2.PING && ack.has(RawH2.ACK))) {
                ack = h2.next();
            }
            assertNotNull(ack, "PING answered with an ACK");
            assertEquals(0x0123456789ABCDEFL, java.nio.ByteBuffer.wrap(ack.payload()).getLong(), "the PING's payload echoed");
        }
    }

    /** A stream over SETTINGS_MAX_CONCURRENT_STREAMS is refused (RST_STREAM, REFUSED_STREAM or PROTOCOL_ERROR); the others complete. */
    @Test
    void aStreamOverTheLimitIsRefusedAndTheOthersComplete() throws Exception {
        try (RawH2 h2 = RawH2.connect(port)) {
            for (int i = 0; i < MAX_STREAMS; i++) {
                h2.get(1 + 2 * i, "/hold/s" + i);
            }
            assertTrue(await(() -> app.waiting().size() == MAX_STREAMS, Duration.ofSeconds(10)),
                    "all " + MAX_STREAMS + " streams reach the app, got " + app.waiting().size());
            int over = 1 + 2 * MAX_STREAMS;
            RawH2.Reply refused = h2.get(over, "/hello").reply(over);
            assertTrue(refused.status() < 0 && (refused.reset() == RawH2.REFUSED_STREAM || refused.reset() == RawH2.PROTOCOL_ERROR),
                    "stream " + (MAX_STREAMS + 1) + ": RST_STREAM(REFUSED_STREAM or PROTOCOL_ERROR), got " + refused);
            app.releaseHeld();
            for (int i = 0; i < MAX_STREAMS; i++) {
                RawH2.Reply held = h2.reply(1 + 2 * i);
                assertTrue(held.complete() && held.text().equals("done s" + i), "stream " + (1 + 2 * i) + ": " + held);
            }
            int next = over + 2;
            assertServed(h2.get(next, "/hello").reply(next), ConformanceApp.HELLO);
        }
    }

    /** A connection without streams is closed after the idle timeout. */
    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() throws IOException {
        try (RawH2 h2 = RawH2.connect(port)) {
            assertServed(h2.get(1, "/hello").reply(1), ConformanceApp.HELLO);
            long began = System.nanoTime();
            assertTrue(h2.closedWithin(IDLE_TIMEOUT.plus(CLOSE_SLACK)), "closed within the idle timeout and slack");
            Duration took = Duration.ofNanos(System.nanoTime() - began);
            assertTrue(took.compareTo(IDLE_TIMEOUT.minusMillis(500)) > 0, "not before the idle timeout: " + took);
        }
    }

    @Test
    void priorKnowledgeIsServedOnStreamsSideBySide() throws IOException {
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.get(1, "/remote").get(3, "/hello").get(5, "/bytes/70000");
            RawH2.Reply remote = h2.reply(1);
            assertEquals(200, remote.status(), remote.toString());
            assertTrue(remote.text().contains("version=HTTP/2.0") && remote.text().contains("scheme=http\n"), remote.text());
            assertServed(h2.reply(3), ConformanceApp.HELLO);
            RawH2.Reply bytes = h2.reply(5);
            assertEquals(200, bytes.status(), bytes.toString());
            assertTrue(java.util.Arrays.equals(ConformanceApp.pattern(70000), bytes.body()), "70000 bytes whole: " + bytes);
            assertEquals("70000", bytes.header("content-length").orElse(null), "a known length is sent: " + bytes);
            assertFalse(bytes.header("connection").isPresent() || bytes.header("transfer-encoding").isPresent(),
                    "no connection field on HTTP/2: " + bytes);
            assertServed(h2.get(7, "/hello").reply(7), ConformanceApp.HELLO);
        }
    }

    @Test
    void curlWithPriorKnowledge() throws Exception {
        Tools.assumeTool("curl", "curl", "--version");
        String base = "http://127.0.0.1:" + port;
        Tools.Run get = Tools.run(List.of("curl", "-sS", "--http2-prior-knowledge", "--max-time", "10",
                "-w", "\n%{http_code} %{http_version}", base + "/remote"), "");
        assertEquals(0, get.exit(), get.output());
        assertTrue(get.output().contains("version=HTTP/2.0") && get.output().endsWith("\n200 2"), get.output());
        Tools.Run post = Tools.run(List.of("curl", "-sS", "--http2-prior-knowledge", "--max-time", "10",
                "--data-binary", "@-", "-H", "Content-Type: text/plain", "-w", "\n%{http_code} %{http_version}", base + "/echo"),
                "posted over h2c");
        assertEquals("posted over h2c\n200 2", post.output());
        Tools.Run hello = Tools.run(List.of("curl", "-sS", "--http2-prior-knowledge", "--max-time", "10", base + "/hello"), "");
        assertEquals(ConformanceApp.HELLO, hello.output());
    }

    /** Ferry does not switch to HTTP/2 by {@code Upgrade: h2c}: the request is answered over HTTP/1.1, never 101. */
    @Test
    void upgradeToH2cIsNotTaken() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(request("GET", "/remote", "Connection: Upgrade, HTTP2-Settings",
                    "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA")).readFinal();
            assertEquals(200, response.status(), response.head());
            assertTrue(response.text().contains("version=HTTP/1.1"), response.text());
            assertReusable(client);
        }
    }

    @Test
    void nghttpWithPriorKnowledge() throws Exception {
        Tools.assumeTool("nghttp", "nghttp2-client", "--version");
        Tools.Run run = Tools.run(List.of("nghttp", "-t", "10", "http://127.0.0.1:" + port + "/remote"), "");
        assertEquals(0, run.exit(), run.output());
        assertTrue(run.output().contains("version=HTTP/2.0"), run.output());
    }

    // --- h2 over TLS by ALPN

    @Test
    void h2OverTlsByAlpnWithCurlNghttpAndTheJdkClient() throws Exception {
        Server tls = startTls();
        try {
            String url = "https://127.0.0.1:" + tls.port() + "/remote";
            if (runs("curl", "--version")) {
                Tools.Run curl = Tools.run(List.of("curl", "-sS", "--http2", "--max-time", "10", "--cacert", bundle.toString(),
                        "-w", "\n%{http_code} %{http_version}", url), "");
                assertEquals(0, curl.exit(), curl.output());
                assertTrue(curl.output().contains("scheme=https") && curl.output().contains("version=HTTP/2.0")
                        && curl.output().endsWith("\n200 2"), curl.output());
            }
            if (runs("nghttp", "--version")) {
                Tools.Run nghttp = Tools.run(List.of("nghttp", "-t", "10", url), "");
                assertEquals(0, nghttp.exit(), nghttp.output());
                assertTrue(nghttp.output().contains("scheme=https") && nghttp.output().contains("version=HTTP/2.0"),
                        nghttp.output());
            }
            HttpClient client = HttpClient.newBuilder().sslContext(Tools.trusting(material.certificate()))
                    .version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
            try (client) {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(HttpClient.Version.HTTP_2, response.version());
                assertEquals(200, response.statusCode());
                assertTrue(response.body().contains("scheme=https") && response.body().contains("version=HTTP/2.0"),
                        response.body());
                HttpResponse<String> echoed = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + tls.port()
                        + "/echo")).timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("jdk over h2"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals("jdk over h2", echoed.body());
                assertEquals(HttpClient.Version.HTTP_2, echoed.version());
            }
        } finally {
            stopWithin(tls, Duration.ofMillis(500));
        }
    }

    private static boolean runs(String tool, String... version) {
        List<String> command = new ArrayList<>(List.of(tool));
        command.addAll(List.of(version));
        try {
            return Tools.run(command, "").exit() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void rawFramesOverTlsAfterAlpn() throws Exception {
        Server tls = startTls();
        try (SSLSocket socket = (SSLSocket) Tools.trusting(material.certificate()).getSocketFactory()
                .createSocket("127.0.0.1", tls.port())) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            assertEquals("h2", socket.getApplicationProtocol());
            try (RawH2 h2 = RawH2.over(socket)) {
                assertEquals(Long.valueOf(MAX_STREAMS), h2.serverSettings().get(RawH2.SETTINGS_MAX_CONCURRENT_STREAMS));
                assertServed(h2.get(1, "/hello").reply(1), ConformanceApp.HELLO);
            }
        } finally {
            stopWithin(tls, Duration.ofMillis(500));
        }
    }

    // --- bodies

    @Test
    void aRequestBodyStreamedUpInDataFramesIsEchoed() throws Exception {
        try (RawH2 h2 = RawH2.connect(port)) {
            byte[] body = ConformanceApp.pattern(2000 + 3000 + 1500);
            h2.headers(1, false, h2.request("POST", "/echo", "content-type", "application/octet-stream"));
            int at = 0;
            for (int part : List.of(2000, 3000, 1500)) {
                h2.data(1, java.util.Arrays.copyOfRange(body, at, at + part), false);
                at += part;
                Thread.sleep(50);
            }
            h2.data(1, new byte[0], true);
            RawH2.Reply reply = h2.reply(1);
            assertEquals(200, reply.status(), reply.toString());
            assertTrue(reply.complete() && java.util.Arrays.equals(body, reply.body()), "echoed whole: " + reply);
            assertEquals(String.valueOf(body.length), reply.header("x-body-length").orElse(null), reply.toString());
        }
    }

    @Test
    void aRequestBodyInManySmallDataFramesIsEchoed() throws Exception {
        try (RawH2 h2 = RawH2.connect(port)) {
            byte[] body = ConformanceApp.pattern(300 * 7);
            h2.headers(1, false, h2.request("POST", "/echo", "content-type", "application/octet-stream"));
            for (int at = 0; at < body.length; at += 7) {
                h2.data(1, java.util.Arrays.copyOfRange(body, at, at + 7), false);
            }
            h2.data(1, new byte[0], true);
            RawH2.Reply reply = h2.reply(1);
            assertEquals(200, reply.status(), reply.toString());
            assertTrue(reply.complete() && java.util.Arrays.equals(body, reply.body()), "echoed whole: " + reply);
        }
    }

    @Test
    void flushedChunksArriveAsDataFramesBeforeTheHandlerFinishes() throws IOException {
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.get(1, "/flush/h2");
            RawH2.Frame first = null;
            while (first == null) {
                RawH2.Frame frame = h2.next();
                assertNotNull(frame, "the connection closed before the first DATA frame");
                if (frame.type() == RawH2.DATA && frame.stream() == 1) {
                    first = frame;
                } else {
                    assertFalse(frame.type() == RawH2.RST_STREAM || frame.type() == RawH2.GOAWAY, frame.toString());
                }
            }
            assertEquals("first\n", new String(RawH2.dataBytes(first), StandardCharsets.US_ASCII));
            assertFalse(first.has(RawH2.END_STREAM), "the stream is still open: the handler waits for the test");
            assertFalse(app.completed().contains("h2"), "the writer has not finished");
            app.release("h2");
            RawH2.Reply rest = h2.reply(1);
            assertTrue(rest.ended() && rest.reset() < 0, "the stream ends with END_STREAM: " + rest);
            assertEquals("second\n", rest.text());
        }
    }

    @Test
    void aBodyOverTheLimitIs413ByContentLengthAndWhileStreaming() throws Exception {
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.headers(1, false, h2.request("POST", "/echo", "content-length", String.valueOf(MAX_BODY + 1)));
            RawH2.Reply declared = h2.reply(1);
            assertEquals(413, declared.status(), "declared over the limit: " + declared);
            h2.headers(3, false, h2.request("POST", "/echo"));
            byte[] part = new byte[8000];
            for (int i = 0; i < 3; i++) {
                h2.data(3, part, false);
            }
            RawH2.Reply streamed = h2.reply(3);
            assertEquals(413, streamed.status(), "streamed over the limit: " + streamed);
            assertServed(h2.get(5, "/hello").reply(5), ConformanceApp.HELLO);
        }
        assertEquals(1, app.completions(), "only /hello completed");
    }

    // --- limits and refusals

    /**
     * A header list over maxHeaderBytes: 431 where the server still answers, or the RFC 9113 equivalent (a stream reset,
     * or GOAWAY); never the app. Which one a server gives is in the failure message when it gives none of them.
     */
    @Test
    void aHeaderListOverTheLimitIsRefused() throws IOException {
        for (int size : List.of(MAX_HEADER_BYTES + 200, 3 * MAX_HEADER_BYTES)) {
            try (RawH2 h2 = RawH2.connect(port)) {
                h2.get(1, "/hello", "x-big", "a".repeat(size));
                RawH2.Reply reply = h2.reply(1);
                boolean refused = reply.status() == 431 || reply.status() < 0 && (reply.reset() >= 0 || reply.goAway() != null);
                assertTrue(refused, size + " bytes of fields: 431, RST_STREAM or GOAWAY, got " + reply);
            }
        }
        try (RawH2 h2 = RawH2.connect(port)) {
            assertServed(h2.get(1, "/hello", "x-big", "a".repeat(MAX_HEADER_BYTES / 2)).reply(1), ConformanceApp.HELLO);
        }
        assertEquals(1, app.invocations(), "the app sees only the request within the limit");
    }

    /**
     * A header block that grows past maxHeaderBytes in CONTINUATION frames is refused before its end comes (431,
     * RST_STREAM, GOAWAY or a close): a server that waited for END_HEADERS would hold a block of any size (the
     * CONTINUATION flood). Another connection is served meanwhile, and the app never sees the flood.
     */
    @Test
    void aHeaderBlockGrowingInContinuationFramesIsRefusedBeforeItEnds() throws IOException {
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.openHeaderBlock(1, "/hello?growing");
            byte[] field = RawH2.block("x-flood", "a".repeat(1000));
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            while (frames.size() < 8 * MAX_HEADER_BYTES) {
                frames.writeBytes(RawH2.frame(RawH2.CONTINUATION, 0, 1, field));
            }
            try {
                h2.raw(frames.toByteArray()); // no END_HEADERS: the block stays open
            } catch (IOException closed) {
                // refused while the frames were still being written: the reads below tell how
            }
            RawH2.Reply reply;
            try {
                reply = h2.reply(1);
            } catch (AssertionError silent) {
                throw new AssertionError("nothing came back for an open header block of " + frames.size() + " bytes: "
                        + silent.getMessage());
            }
            boolean refused = reply.status() == 431 || reply.status() < 0
                    && (reply.reset() >= 0 || reply.goAway() != null || h2.closedWithin(Duration.ofSeconds(1)));
            assertTrue(refused, "431, RST_STREAM, GOAWAY or a close, got " + reply);
            try (RawH2 other = RawH2.connect(port)) {
                assertServed(other.get(1, "/hello").reply(1), ConformanceApp.HELLO);
            }
        }
        assertEquals(0, app.invocations("growing"), "the app never sees the flood");
    }

    /**
     * A header block kept open in empty CONTINUATION frames is cut off with GOAWAY (ENHANCE_YOUR_CALM) by the
     * {@code MAX_SMALL_FRAGMENTS + 1}th: otherwise a client holds its connection for ever at a few bytes a second, as
     * neither the header nor the idle timeout ends it (Tomcat's own count cuts it sooner). A block in fragments of
     * 1500 bytes is served once it is whole: the app sees the field in its last fragment, and never the open block.
     */
    @Test
    void aHeaderBlockKeptOpenInSmallContinuationFramesIsCutOff() throws IOException {
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.openHeaderBlock(1, "/hello?open");
            int sent = 0;
            RawH2.Frame answer = null;
            boolean closed = false;
            while (answer == null && !closed && sent < 4 * ContinuationLimit.MAX_SMALL_FRAGMENTS) {
                try {
                    h2.send(RawH2.CONTINUATION, 0, 1, new byte[0]);
                    sent++;
                } catch (IOException e) {
                    closed = true;
                }
                try {
                    while (answer == null && !closed) { // past SETTINGS ACK and WINDOW_UPDATE
                        closed = h2.next(Duration.ofMillis(50)) == null;
                        answer = h2.goAway();
                    }
                } catch (AssertionError nothingYet) {
                    // the block is still open
                }
            }
            assertTrue(answer != null && answer.errorCode() == RawH2.ENHANCE_YOUR_CALM,
                    "GOAWAY (ENHANCE_YOUR_CALM) for " + sent + " empty CONTINUATION frames, got " + answer
                    + (closed ? " and a close" : ""));
            assertTrue(sent <= ContinuationLimit.MAX_SMALL_FRAGMENTS + 1, "cut off after " + sent + " frames");
        }
        try (RawH2 h2 = RawH2.connect(port)) {
            byte[] block = RawH2.block(h2.request("GET", "/header/x-last", "x-a", "a".repeat(3000), "x-b", "b".repeat(2900),
                    "x-last", "in the last fragment"));
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            for (int at = 0; at < block.length; at += 1500) {
                int end = Math.min(block.length, at + 1500);
                frames.writeBytes(RawH2.frame(at == 0 ? RawH2.HEADERS : RawH2.CONTINUATION,
                        (at == 0 ? RawH2.END_STREAM : 0) | (end == block.length ? RawH2.END_HEADERS : 0), 1,
                        java.util.Arrays.copyOfRange(block, at, end)));
            }
            assertServed(h2.raw(frames.toByteArray()).reply(1), "in the last fragment"); // the app sees the whole block
        }
        assertEquals(0, app.invocations("open"), "the app never sees the open block");
    }

    /**
     * A header block left open (HEADERS without END_HEADERS, then nothing) does not hold the connection: it is closed
     * within the idle timeout and slack, as a connection with no request would be, and the app never sees the request.
     */
    @Test
    void aHeaderBlockLeftOpenDoesNotHoldTheConnection() throws IOException {
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.openHeaderBlock(1, "/hello?left-open");
            assertTrue(h2.closedWithin(IDLE_TIMEOUT.plus(CLOSE_SLACK)), "closed within the idle timeout and slack");
        }
        assertEquals(0, app.invocations("left-open"), "the app never sees the open block");
    }

    /**
     * A client that floods PINGs and reads nothing (CVE-2019-9512) loses its connection within the idle timeout and
     * slack: a server either cuts the flood off or, having stopped reading, ends a connection that takes none of its
     * answers. Another connection is served meanwhile, and the server's heap does not take the answers in.
     */
    @Test
    void aPingFloodFromAClientThatReadsNothingIsCutOff() throws Exception {
        floodReadingNothing(RawH2.frame(RawH2.PING, 0, 0, new byte[8]));
    }

    /** The same for a flood of empty SETTINGS frames, each of which asks for an acknowledgement (CVE-2019-9515). */
    @Test
    void aSettingsFloodFromAClientThatReadsNothingIsCutOff() throws Exception {
        floodReadingNothing(RawH2.frame(RawH2.SETTINGS, 0, 0, new byte[0]));
    }

    /**
     * The same for requests, each for 16 KiB, from a client whose windows let the server send everything and which
     * reads nothing (CVE-2019-9517): the answers wait on the server, in bounded memory, and go with the connection.
     */
    @Test
    void requestsFromAClientThatReadsNothingNeitherFillTheHeapNorHoldTheConnection() throws Exception {
        byte[] block = RawH2.block(":method", "GET", ":scheme", "http", ":path", "/bytes/16384", ":authority", "localhost");
        floodReadingNothing(h2 -> {
            for (int stream = 1; stream < 2_000_000; ) { // a million requests, 16 GiB of answers
                ByteArrayOutputStream batch = new ByteArrayOutputStream();
                for (int i = 0; i < 1000; i++, stream += 2) {
                    batch.writeBytes(RawH2.frame(RawH2.HEADERS, RawH2.END_STREAM | RawH2.END_HEADERS, stream, block));
                }
                h2.raw(batch.toByteArray());
            }
        });
    }

    private void floodReadingNothing(byte[] frame) throws Exception {
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        for (int i = 0; i < 10_000; i++) {
            batch.writeBytes(frame);
        }
        byte[] frames = batch.toByteArray();
        floodReadingNothing(h2 -> {
            for (int i = 0; i < 1_000; i++) { // 10 million frames: more than any socket buffers hold
                h2.raw(frames);
            }
        });
    }

    /** Writes a flood on one connection. */
    private interface Flood {
        void write(RawH2 h2) throws IOException;
    }

    /**
     * Writes this flood on a connection that reads nothing, and checks that the connection is gone
     * within the idle timeout and slack, that another connection is served meanwhile, and that the heap of the
     * server's JVM (the suite starts servers in-process; sampled after a collection every 500 ms) grows by less than
     * 64 MiB.
     */
    private void floodReadingNothing(Flood flood) throws Exception {
        Runtime heap = Runtime.getRuntime();
        System.gc();
        long before = heap.totalMemory() - heap.freeMemory();
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.serverSettings();
            var cut = new java.util.concurrent.CompletableFuture<IOException>();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    flood.write(h2);
                    cut.completeExceptionally(new AssertionError("the whole flood went through"));
                } catch (IOException e) {
                    cut.complete(e);
                }
            });
            try (RawH2 other = RawH2.connect(port)) {
                assertServed(other.get(1, "/hello").reply(1), ConformanceApp.HELLO);
            }
            long deadline = System.nanoTime() + IDLE_TIMEOUT.plus(CLOSE_SLACK).toNanos();
            try {
                while (!cut.isDone() && System.nanoTime() < deadline) {
                    Thread.sleep(500);
                    System.gc();
                    long grown = heap.totalMemory() - heap.freeMemory() - before;
                    assertTrue(grown < 64 << 20, "the heap grew by " + grown + " bytes during the flood");
                }
            } finally {
                writer.interrupt();
            }
            assertTrue(cut.isDone(), "the flooding connection was still open after " + IDLE_TIMEOUT.plus(CLOSE_SLACK));
            assertTrue(cut.get() != null, "the flood ended with the connection");
        }
    }

    /**
     * A stream whose client opens no window for its body (a zero initial window, then nothing) does not hold the
     * server: within the idle timeout and slack it is reset or its connection ends, and its body's writer ends. A
     * response without a body, on the same connection meanwhile, is served.
     */
    @Test
    void aStreamGivenNoWindowEndsAfterTheIdleTimeout() throws Exception {
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.serverSettings();
            h2.send(RawH2.SETTINGS, 0, 0, RawH2.settingsPayload(RawH2.SETTINGS_INITIAL_WINDOW_SIZE, 0));
            h2.get(1, "/endless");
            RawH2.Reply empty = h2.get(3, "/empty").reply(3);
            assertEquals(200, empty.status(), empty.toString());
            assertTrue(empty.complete(), empty.toString());
            // the server may answer stream 3 before stream 1's handler has begun
            assertTrue(await(() -> app.inProgress() == 1, Duration.ofSeconds(5)), "the body's writer waits for a window");
            RawH2.Reply starved = h2.reply(1, IDLE_TIMEOUT.plus(CLOSE_SLACK));
            assertTrue(!starved.complete() && starved.body().length == 0, "nothing of the body went out: " + starved);
        }
        assertTrue(await(() -> app.inProgress() == 0, CLOSE_SLACK), "the body's writer ended; in progress: " + app.inProgress());
    }

    // --- malformed requests (RFC 9113, sections 8.2 and 8.3)

    /** A request on stream 1 of its own connection: its header fields, and the body sent in one DATA frame, or none. */
    private record Sent(String name, String[] fields, String body) {
    }

    /** A GET of /hello with this query, its usual pseudo-header fields, then these. */
    private static Sent get(String name, String query, String... extra) {
        return build(name, "GET", "/hello?" + query, null, extra);
    }

    /**
     * A POST of this body (or none) to /echo?framing, its usual pseudo-header fields, then these. The app may see
     * it: a body unlike its Content-Length shows only as the body is read.
     */
    private static Sent post(String name, String body, String... extra) {
        return build(name, "POST", "/echo?framing", body, extra);
    }

    private static Sent build(String name, String method, String path, String body, String... extra) {
        List<String> fields = new ArrayList<>(List.of(":method", method, ":scheme", "http", ":path", path,
                ":authority", "localhost"));
        fields.addAll(List.of(extra));
        return new Sent(name, fields.toArray(String[]::new), body);
    }

    private static Sent bare(String name, String body, String... fields) {
        return new Sent(name, fields, body);
    }

    /** Sends it and returns the reply on its stream. */
    private RawH2.Reply send(Sent request) throws IOException {
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.serverSettings();
            h2.headers(1, request.body() == null, request.fields());
            if (request.body() != null) {
                try {
                    h2.data(1, request.body().getBytes(StandardCharsets.ISO_8859_1), true);
                } catch (IOException closed) {
                    // refused before the body: the reply tells
                }
            }
            return h2.reply(1);
        }
    }

    /** Each request is refused, with 4xx, RST_STREAM or GOAWAY, and the app sees none of those to /hello?malformed. */
    private void assertRefused(List<Sent> requests) throws IOException {
        List<String> served = new ArrayList<>();
        for (Sent request : requests) {
            RawH2.Reply reply = send(request);
            boolean refused = reply.status() >= 400 && reply.status() < 500
                    || reply.status() < 0 && (reply.reset() >= 0 || reply.goAway() != null || !reply.ended());
            if (!refused) {
                served.add(request.name() + ": " + reply);
            }
        }
        assertEquals(List.of(), served, "malformed requests must be refused");
        assertEquals(0, app.invocations("malformed"), "the app saw a malformed request");
    }

    /**
     * What RFC 9113 (section 8.2.1) makes a malformed field, a missing, repeated, misplaced or unknown pseudo-header
     * field, a {@code :scheme} other than the connection's, a bad method, authority or target: refused on every
     * server, however each server's own parser words it (a 400 from the engine, RST_STREAM or GOAWAY from the
     * server), and never seen by the app. A body unlike its Content-Length is refused too, once it shows.
     */
    @Test
    void malformedRequestsAreRefused() throws IOException {
        String q = "malformed";
        assertRefused(List.of(
                get("an upper-case name", q, "X-Upper", "1"),
                get("a space in a name", q, "x bad", "1"),
                get("a colon in a name", q, "x:y", "1"),
                get("NUL in a name", q, "x\0y", "1"),
                get("CR in a value", q, "x-a", "a\rb"),
                get("LF in a value", q, "x-a", "a\nb"),
                get("NUL in a value", q, "x-a", "a\0b"),
                get("DEL in a value", q, "x-a", "a\u007fb"),
                get("a value with a leading space", q, "x-a", " ab"),
                get("a value with a trailing tab", q, "x-a", "ab\t"),
                get("TE other than trailers", q, "te", "gzip"),
                get("two :path", q, ":path", "/hello?" + q),
                get("an unknown pseudo-header", q, ":foo", "1"),
                get("a response pseudo-header", q, ":status", "200"),
                bare("two :method", null, ":method", "GET", ":method", "POST", ":scheme", "http", ":path", "/hello?" + q,
                        ":authority", "localhost"),
                bare("a pseudo-header after a field", null, ":method", "GET", ":scheme", "http", "x-a", "1",
                        ":path", "/hello?" + q, ":authority", "localhost"),
                bare("no :path", null, ":method", "GET", ":scheme", "http", ":authority", "localhost"),
                bare("no :method", null, ":scheme", "http", ":path", "/hello?" + q, ":authority", "localhost"),
                bare("no :scheme", null, ":method", "GET", ":path", "/hello?" + q, ":authority", "localhost"),
                bare(":scheme https on h2c", null, ":method", "GET", ":scheme", "https", ":path", "/hello?" + q,
                        ":authority", "localhost"),
                bare(":scheme ftp", null, ":method", "GET", ":scheme", "ftp", ":path", "/hello?" + q, ":authority", "localhost"),
                bare("neither :authority nor Host", null, ":method", "GET", ":scheme", "http", ":path", "/hello?" + q),
                bare("an empty :authority", null, ":method", "GET", ":scheme", "http", ":path", "/hello?" + q, ":authority", ""),
                bare("userinfo in :authority", null, ":method", "GET", ":scheme", "http", ":path", "/hello?" + q,
                        ":authority", "user@localhost"),
                bare("a space in :authority", null, ":method", "GET", ":scheme", "http", ":path", "/hello?" + q,
                        ":authority", "local host"),
                bare(":path in absolute form", null, ":method", "GET", ":scheme", "http", ":path",
                        "http://localhost/hello?" + q, ":authority", "localhost"),
                bare("two :authority", null, ":method", "GET", ":scheme", "http", ":path", "/hello?" + q,
                        ":authority", "localhost", ":authority", "localhost"),
                bare("port 0 in :authority", null, ":method", "GET", ":scheme", "http", ":path", "/hello?" + q,
                        ":authority", "localhost:0"),
                bare("an empty :path", null, ":method", "GET", ":scheme", "http", ":path", "", ":authority", "localhost"),
                bare("a space in :path", null, ":method", "GET", ":scheme", "http", ":path", "/hello?" + q + " x",
                        ":authority", "localhost"),
                bare("a raw octet in :path", null, ":method", "GET", ":scheme", "http", ":path", "/hello?" + q + "\u00e9",
                        ":authority", "localhost"),
                bare("a method with a space", null, ":method", "GE T", ":scheme", "http", ":path", "/hello?" + q,
                        ":authority", "localhost"),
                bare("an empty method", null, ":method", "", ":scheme", "http", ":path", "/hello?" + q, ":authority", "localhost"),
                post("Content-Length over the body", "abc", "content-length", "5"),
                post("Content-Length under the body", "abc", "content-length", "2"),
                post("two Content-Length values", "abc", "content-length", "3", "content-length", "4"),
                post("a Content-Length that is no number", "abc", "content-length", "abc"),
                post("a negative Content-Length", "abc", "content-length", "-1"),
                post("a Content-Length with a sign", "abc", "content-length", "+3"),
                post("a Content-Length and no body", null, "content-length", "3")));
    }

    /**
     * A Host field unlike {@code :authority}, or two Host fields with it or without it: two hosts for one request,
     * of which a proxy in front may have believed either (RFC 9113, section 8.3.1), refused as on HTTP/1.1.
     */
    @Test
    void aHostUnlikeTheAuthorityIsRefused() throws IOException {
        assertRefused(List.of(get("Host unlike :authority", "malformed", "host", "other.example"),
                get("Host twice, equal to :authority", "malformed", "host", "localhost", "host", "localhost"),
                bare("two Host fields", null, ":method", "GET", ":scheme", "http", ":path", "/hello?malformed",
                        "host", "a.example", "host", "b.example")));
    }

    /**
     * A trailer section with a pseudo-header field or an upper-case name is malformed (RFC 9113, section 8.1): the
     * body it ends is refused, with or without a Content-Length, while a sound trailer section is served.
     */
    @Test
    void malformedTrailersAreRefused() throws IOException {
        List<String> refused = new ArrayList<>();
        for (String[] trailer : new String[][] {{":path", "/x"}, {"X-Upper", "1"}, {"x-t", "1"}}) {
            for (boolean length : new boolean[] {false, true}) {
                try (RawH2 h2 = RawH2.connect(port)) {
                    h2.serverSettings();
                    h2.headers(1, false, length ? h2.request("POST", "/echo?trailers", "content-length", "3")
                            : h2.request("POST", "/echo?trailers"));
                    RawH2.Reply reply;
                    try {
                        h2.data(1, "abc".getBytes(StandardCharsets.US_ASCII), false).headers(1, true, trailer);
                    } catch (IOException closed) {
                        // refused before the trailers went: the reply tells
                    }
                    reply = h2.reply(1);
                    if (!reply.complete() || reply.status() != 200) {
                        refused.add(trailer[0] + (length ? " with" : " without") + " Content-Length");
                    }
                }
            }
        }
        assertEquals(List.of(":path with Content-Length", ":path without Content-Length",
                "X-Upper with Content-Length", "X-Upper without Content-Length"), refused.stream().sorted().toList());
    }

    /**
     * A HEADERS frame whose priority names its own stream as the dependency is a stream error (RFC 9113, section
     * 5.3.1); the same request with a sound priority, padded, or split into CONTINUATION frames (written at once)
     * is served.
     */
    @Test
    void aStreamThatDependsOnItselfIsRefused() throws IOException {
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.serverSettings();
            byte[] block = RawH2.block(h2.request("GET", "/hello?malformed"));
            java.nio.ByteBuffer self = java.nio.ByteBuffer.allocate(5 + block.length).putInt(1).put((byte) 15).put(block);
            RawH2.Reply reply = h2.send(RawH2.HEADERS, RawH2.END_STREAM | RawH2.END_HEADERS | RawH2.PRIORITY, 1,
                    self.array()).reply(1);
            assertTrue(reply.status() < 0 && (reply.reset() == RawH2.PROTOCOL_ERROR || reply.goAway() != null),
                    "RST_STREAM or GOAWAY (PROTOCOL_ERROR), got " + reply);
        }
        assertEquals(0, app.invocations("malformed"), "the app saw the stream");
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.serverSettings();
            byte[] block = RawH2.block(h2.request("GET", "/hello"));
            java.nio.ByteBuffer sound = java.nio.ByteBuffer.allocate(5 + block.length).putInt(0).put((byte) 15).put(block);
            assertServed(h2.send(RawH2.HEADERS, RawH2.END_STREAM | RawH2.END_HEADERS | RawH2.PRIORITY, 1, sound.array())
                    .reply(1), ConformanceApp.HELLO);
            byte[] padded = new byte[1 + block.length + 7];
            padded[0] = 7;
            System.arraycopy(block, 0, padded, 1, block.length);
            assertServed(h2.send(RawH2.HEADERS, RawH2.END_STREAM | RawH2.END_HEADERS | RawH2.PADDED, 3, padded).reply(3),
                    ConformanceApp.HELLO);
            ByteArrayOutputStream split = new ByteArrayOutputStream();
            split.writeBytes(RawH2.frame(RawH2.HEADERS, RawH2.END_STREAM, 5, java.util.Arrays.copyOf(block, block.length / 2)));
            split.writeBytes(RawH2.frame(RawH2.CONTINUATION, RawH2.END_HEADERS, 5,
                    java.util.Arrays.copyOfRange(block, block.length / 2, block.length)));
            assertServed(h2.raw(split.toByteArray()).reply(5), ConformanceApp.HELLO);
        }
    }

    /**
     * A header block split into CONTINUATION frames that come in later reads is served as a whole, with the
     * {@code :path} split between the frames: GETs that their HEADERS frame ends, one of them reading its empty body,
     * and a POST whose body follows. (A server that starts a stream at its HEADERS frame must not check or take its
     * fields before the block ends, nor wait for a body after it when the HEADERS frame ended the stream.)
     * The fragments are over 1 KiB: Tomcat counts smaller ones as overhead.
     */
    @Test
    void aHeaderBlockSplitAcrossReadsIsServedWhole() throws IOException, InterruptedException {
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.serverSettings();
            int stream = 1;
            // the GET to /echo reads its body, which the HEADERS frame ended empty
            for (String[] request : List.of(new String[] {"GET", "/header/x-split", "yes"}, new String[] {"GET", "/echo", ""},
                    new String[] {"POST", "/echo", "split body"})) {
                boolean get = request[0].equals("GET");
                String query = "?q=" + "q".repeat(1500);
                byte[] block = RawH2.block(":method", request[0], ":scheme", "http", ":authority", "localhost",
                        ":path", request[1] + query, "x-split", "yes", "x-pad", "p".repeat(1500));
                h2.send(RawH2.HEADERS, get ? RawH2.END_STREAM : 0, stream, java.util.Arrays.copyOf(block, 1100));
                Thread.sleep(100); // each frame in a read of its own
                h2.send(RawH2.CONTINUATION, 0, stream, java.util.Arrays.copyOfRange(block, 1100, 2200));
                Thread.sleep(100);
                h2.send(RawH2.CONTINUATION, RawH2.END_HEADERS, stream, java.util.Arrays.copyOfRange(block, 2200, block.length));
                if (!get) {
                    Thread.sleep(100);
                    h2.send(RawH2.DATA, RawH2.END_STREAM, stream, "split body".getBytes(StandardCharsets.UTF_8));
                }
                RawH2.Reply reply = h2.reply(stream);
                String what = request[0] + " " + request[1] + ": " + reply;
                assertEquals(200, reply.status(), what);
                assertEquals(request[2], reply.text(), what);
                assertTrue(reply.complete(), what);
                stream += 2;
            }
        }
    }

    /**
     * Many GETs on one connection, each ended by its HEADERS frame with a CONTINUATION frame in a later read, are all
     * served: three times the streams a connection may have open at once, one after the other, then a plain GET.
     */
    @Test
    void manyHeaderBlocksSplitAcrossReadsOnOneConnectionAreServed() throws IOException, InterruptedException {
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.serverSettings();
            int stream = 1;
            for (int i = 0; i < 3 * MAX_STREAMS + 1; i++, stream += 2) {
                byte[] block = RawH2.block(":method", "GET", ":scheme", "http", ":authority", "localhost",
                        ":path", "/echo?q=" + "q".repeat(1500));
                h2.send(RawH2.HEADERS, RawH2.END_STREAM, stream, java.util.Arrays.copyOf(block, 1100));
                Thread.sleep(10); // in a read of its own
                h2.send(RawH2.CONTINUATION, RawH2.END_HEADERS, stream, java.util.Arrays.copyOfRange(block, 1100, block.length));
                RawH2.Reply reply = h2.reply(stream);
                assertEquals(200, reply.status(), "split GET " + (i + 1) + ": " + reply);
            }
            h2.headers(stream, true, h2.request("GET", "/hello"));
            assertServed(h2.reply(stream), ConformanceApp.HELLO);
        }
    }

    /** Content-Length repeated, even with one value, is refused as on HTTP/1.1. */
    @Test
    void aRepeatedContentLengthIsRefused() throws IOException {
        assertRefused(List.of(post("Content-Length twice", "abc", "content-length", "3", "content-length", "3"),
                post("Content-Length as a list", "abc", "content-length", "3, 3")));
    }

    /**
     * What RFC 9113 lets through is served alike: TE trailers, a value with an octet above ASCII, a Host field
     * standing for {@code :authority}, cookies in separate fields, a lower-case method (methods are case-sensitive:
     * {@code get} is not GET, and the router answers it 405 or 501, the same everywhere).
     */
    @Test
    void wellFormedVariantsAreServedAlike() throws IOException {
        assertServed(send(get("TE trailers", "variant", "te", "trailers")), ConformanceApp.HELLO);
        RawH2.Reply high = send(bare("octet", null, ":method", "GET", ":scheme", "http", ":path", "/header/x-a",
                ":authority", "localhost", "x-a", "a\u00e9b"));
        assertEquals(200, high.status(), high.toString());
        assertEquals("a\u00e9b", high.text());
        RawH2.Reply host = send(bare("Host only", null, ":method", "GET", ":scheme", "http", ":path", "/header/host",
                "host", "h.example"));
        assertEquals("h.example", host.text(), host.toString());
        RawH2.Reply cookies = send(bare("cookies", null, ":method", "GET", ":scheme", "http", ":path", "/cookies",
                ":authority", "localhost", "cookie", "session=s1", "cookie", "theme=dark"));
        assertEquals("session=s1 theme=dark", cookies.text(), cookies.toString());
        RawH2.Reply lower = send(bare("lower", null, ":method", "get", ":scheme", "http", ":path", "/hello?variant",
                ":authority", "localhost"));
        assertTrue(lower.status() == 405 || lower.status() == 501, lower.toString());
    }

    /**
     * DATA frames that carry nothing (CVE-2019-9518): a body with two among its bytes is echoed; 10,000 in a row are
     * cut off with ENHANCE_YOUR_CALM, as GOAWAY or as RST_STREAM (Tomcat's own count, whose point varies, resets the
     * stream; the core's limit, {@code EmptyDataLimit}, ends the connection on Netty and Undertow).
     */
    @Test
    void emptyDataFramesAreServedAndAFloodOfThemIsCutOff() throws IOException {
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.headers(1, false, h2.request("POST", "/echo", "content-type", "application/octet-stream"));
            h2.data(1, new byte[0], false).data(1, "ab".getBytes(StandardCharsets.US_ASCII), false).data(1, new byte[0], false);
            RawH2.Reply reply = h2.data(1, "c".getBytes(StandardCharsets.US_ASCII), true).reply(1);
            assertEquals(200, reply.status(), reply.toString());
            assertEquals("abc", reply.text());
        }
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.headers(1, false, h2.request("POST", "/echo", "content-type", "application/octet-stream"));
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            for (int i = 0; i < 10_000; i++) {
                frames.writeBytes(RawH2.frame(RawH2.DATA, 0, 1, new byte[0]));
            }
            RawH2.Reply reply;
            try {
                h2.raw(frames.toByteArray()).data(1, "abc".getBytes(StandardCharsets.US_ASCII), true);
            } catch (IOException closed) {
                // cut off while the frames were being written: the reads below tell how
            }
            reply = h2.reply(1);
            boolean calm = reply.reset() == RawH2.ENHANCE_YOUR_CALM
                    || reply.goAway() != null && reply.goAway().errorCode() == RawH2.ENHANCE_YOUR_CALM;
            assertTrue(reply.status() != 200 && calm, "ENHANCE_YOUR_CALM, got " + reply);
        }
    }

    /**
     * A field with an empty name (CVE-2019-9516 sent a thousand of them): refused with 4xx, RST_STREAM or GOAWAY, one
     * of them or a thousand, and the app never sees the request.
     */
    @Test
    void fieldsWithAnEmptyNameAreRefused() throws IOException {
        for (int n : new int[] {1, 1000}) {
            try (RawH2 h2 = RawH2.connect(port)) {
                String[] fields = new String[2 * n];
                java.util.Arrays.fill(fields, "");
                RawH2.Reply reply = h2.get(1, "/hello?empty-name", fields).reply(1);
                boolean refused = reply.status() >= 400 && reply.status() < 500
                        || reply.status() < 0 && (reply.reset() >= 0 || reply.goAway() != null);
                assertTrue(refused, n + " empty names: 4xx, RST_STREAM or GOAWAY, got " + reply);
            }
        }
        assertEquals(0, app.invocations("empty-name"), "the app never sees them");
    }

    @Test
    void anExceptionIs500AndTheOtherStreamsGoOn() throws IOException {
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.get(1, "/flush/held").get(3, "/fail");
            RawH2.Reply failed = h2.reply(3);
            assertEquals(500, failed.status(), failed.toString());
            assertTrue(failed.complete(), failed.toString());
            assertFalse(failed.text().contains("secret-detail-42"), "no detail leaked: " + failed.text());
            assertServed(h2.get(5, "/hello").reply(5), ConformanceApp.HELLO);
            app.release("held");
            RawH2.Reply held = h2.reply(1);
            assertTrue(held.complete(), held.toString());
            assertEquals("first\nsecond\n", held.text());
        }
    }

    @Test
    void aResponseCutOffResetsItsStreamOnly() throws IOException {
        try (RawH2 h2 = RawH2.connect(port)) {
            RawH2.Reply cut = h2.get(1, "/fail-stream/after").reply(1);
            assertEquals(200, cut.status(), cut.toString());
            assertTrue(cut.reset() >= 0, "the stream is reset, never ended cleanly: " + cut);
            assertTrue(cut.goAway() == null, "the connection goes on: " + cut);
            assertServed(h2.get(3, "/hello").reply(3), ConformanceApp.HELLO);
        }
    }

    @Test
    void connectionFieldsAreRefusedOnTheirStreamOnly() throws IOException {
        List<String[]> cases = List.of(new String[] {"connection", "keep-alive"}, new String[] {"keep-alive", "timeout=5"},
                new String[] {"proxy-connection", "keep-alive"}, new String[] {"transfer-encoding", "chunked"},
                new String[] {"upgrade", "websocket"}, new String[] {"te", "gzip"});
        for (String[] field : cases) {
            try (RawH2 h2 = RawH2.connect(port)) {
                RawH2.Reply reply = h2.get(1, "/hello", field).reply(1);
                assertTrue(reply.status() == 400 || reply.reset() == RawH2.PROTOCOL_ERROR,
                        field[0] + ": 400 or RST_STREAM(PROTOCOL_ERROR), got " + reply);
                assertServed(h2.get(3, "/hello").reply(3), ConformanceApp.HELLO);
            }
        }
        try (RawH2 h2 = RawH2.connect(port)) {
            assertServed(h2.get(1, "/hello", "te", "trailers").reply(1), ConformanceApp.HELLO);
        }
        assertEquals(cases.size() + 1, app.invocations(), "only the sound requests reach the app");
    }

    // --- stop, floods and HTTP/2 off

    @Test
    void aGracefulStopSendsGoAwayWhileAStreamInFlightCompletes() throws Exception {
        Server other = suite.start(handler(), config().toBuilder().shutdownGrace(Duration.ofSeconds(5)).build());
        Thread stopper = null;
        try (RawH2 h2 = RawH2.connect(other.port())) {
            h2.get(1, "/hold/h2-stop");
            assertTrue(await(() -> app.waiting().contains("h2-stop"), Duration.ofSeconds(5)), "the handler runs");
            stopper = Thread.ofVirtual().start(() -> other.stop(Duration.ofSeconds(5)));
            RawH2.Frame goAway = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (goAway == null && System.nanoTime() < deadline) {
                RawH2.Frame frame = h2.next(Duration.ofSeconds(3));
                assertNotNull(frame, "the connection closed without GOAWAY while a stream was in flight");
                if (frame.type() == RawH2.GOAWAY) {
                    goAway = frame;
                }
            }
            assertNotNull(goAway, "GOAWAY within 3 s of the stop");
            assertEquals(RawH2.NO_ERROR, goAway.errorCode(), goAway.toString());
            assertTrue(goAway.lastStream() >= 1, "the stream in flight is still answered: " + goAway);
            app.releaseHeld();
            RawH2.Reply held = h2.reply(1);
            assertTrue(held.complete(), held.toString());
            assertEquals("done h2-stop", held.text());
            assertTrue(h2.closedWithin(Duration.ofSeconds(5)), "the connection is closed once the stream is done");
        } finally {
            app.releaseHeld();
            if (stopper != null) {
                stopper.join(Duration.ofSeconds(10));
            }
            stopWithin(other, Duration.ZERO);
        }
    }

    /**
     * CVE-2023-44487: 2,000 HEADERS and RST_STREAM pairs written as fast as possible on one connection get GOAWAY and
     * the close, and another client's request on a new connection is answered within a few seconds meanwhile.
     */
    @Test
    void aRapidResetFloodIsCutOffAndOthersAreServed() throws Exception {
        ByteArrayOutputStream flood = new ByteArrayOutputStream();
        try (RawH2 attacker = RawH2.connect(port)) {
            for (int i = 0, stream = 1; i < 2000; i++, stream += 2) {
                flood.writeBytes(RawH2.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, stream,
                        RawH2.block(attacker.request("GET", "/hello"))));
                flood.writeBytes(RawH2.frame(RawH2.RST_STREAM, 0, stream, new byte[] {0, 0, 0, 8}));
            }
            AtomicReference<Throwable> written = new AtomicReference<>();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    attacker.raw(flood.toByteArray());
                } catch (IOException | RuntimeException e) {
                    written.set(e); // the server closed the connection before all of it was written
                }
            });
            long began = System.nanoTime();
            try (RawH2 other = RawH2.connect(port)) {
                assertServed(other.get(1, "/hello").reply(1, Duration.ofSeconds(5)), ConformanceApp.HELLO);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - began);
            assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "another client served during the flood in " + took);
            assertTrue(attacker.closedWithin(Duration.ofSeconds(10)), "the flooding connection is closed");
            RawH2.Frame goAway = attacker.goAway();
            assertNotNull(goAway, "GOAWAY before the close");
            assertTrue(goAway.errorCode() == RawH2.ENHANCE_YOUR_CALM || goAway.errorCode() == RawH2.PROTOCOL_ERROR,
                    "ENHANCE_YOUR_CALM or PROTOCOL_ERROR: " + goAway);
            writer.join(Duration.ofSeconds(5));
        }
        try (RawH2 after = RawH2.connect(port)) {
            assertServed(after.get(1, "/hello").reply(1), ConformanceApp.HELLO);
        }
    }

    @Test
    void withHttp2OffThePrefaceGets505() throws IOException {
        Server off = suite.start(handler(), config().toBuilder().http2(false).build());
        try (RawClient client = RawClient.connect(off.port())) {
            RawResponse response = client.send(new String(RawH2.PREFACE, StandardCharsets.US_ASCII)).readFinal();
            assertEquals(505, response.status(), response.head());
            assertClosed(client, "after 505 for the preface");
            assertEquals(0, app.invocations(client));
        } finally {
            stopWithin(off, Duration.ofMillis(500));
        }
    }

    /**
     * h2c connections that ended are not kept: a server that held each one until a timer set for it fired (the idle
     * timer before a first stream, the header timer of an unended header block) kept them in the heap. On a server
     * whose timers are a minute long, after 2,000 connections that sent the preface and SETTINGS and ended, by turns
     * at once and in the middle of a header block (HEADERS without END_HEADERS), the heap after a collection has
     * grown by less than 3 MiB.
     */
    @Test
    void connectionsThatEndedAreNotKeptInTheHeap() throws Exception {
        Server slow = suite.start(handler(), config().toBuilder().idleTimeout(Duration.ofMinutes(1))
                .requestHeaderTimeout(Duration.ofMinutes(1)).build());
        try {
            for (int i = 0; i < 200; i++) { // the first connections warm up what stays: pools, compiled code
                endedConnection(slow.port(), i % 2 == 0);
            }
            long before = HardeningTests.usedAfterCollection();
            for (int i = 0; i < 2000; i++) {
                endedConnection(slow.port(), i % 2 == 0);
            }
            long grown = HardeningTests.usedAfterCollection() - before;
            assertTrue(grown < 3 << 20, "the heap grew by " + (grown >> 10) + " KiB over 2,000 h2c connections that ended");
        } finally {
            stopWithin(slow, Duration.ofSeconds(2));
        }
    }

    private static void endedConnection(int port, boolean inBlock) throws IOException {
        try (RawH2 h2 = RawH2.connect(port)) {
            h2.serverSettings();
            if (inBlock) {
                h2.send(RawH2.HEADERS, 0, 1, RawH2.block(":method", "GET", ":scheme", "http", ":authority", "localhost",
                        ":path", "/hello"));
            }
        }
    }
}
