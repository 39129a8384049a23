package dev.ferry.undertow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.Body;
import dev.ferry.Handler;
import dev.ferry.Response;
import dev.ferry.routing.Router;
import dev.ferry.server.Execution;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTP/2 on the Undertow adapter, frame by frame: h2c with prior knowledge through the head guard. */
class Http2Test {

    static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, GOAWAY = 7, WINDOW_UPDATE = 8;
    static final CountDownLatch release = new CountDownLatch(1);
    static volatile CountDownLatch slowStarted = new CountDownLatch(1);
    static Server server;
    static Path file;

    static byte[] pattern(int n) {
        byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) ('a' + i % 26);
        }
        return bytes;
    }

    static Handler app() {
        return Router.builder()
                .get("/", r -> Response.text("Hello " + r.version() + " " + r.header("Host").orElse("-")))
                .post("/count", r -> Response.text(r.version() + " " + r.body().stream().readAllBytes().length))
                .get("/stream", r -> Response.ok().withBody(Body.streamed(out -> {
                    out.write("one".getBytes());
                    out.flush();
                    await(release);
                    out.write("two".getBytes());
                })))
                .get("/fail", r -> Response.ok().withBody(Body.streamed(out -> {
                    out.write("one".getBytes());
                    out.flush();
                    throw new IllegalStateException("failed after the head");
                })))
                .get("/file", r -> Response.ok().withBody(Body.of(file)))
                .get("/slow", r -> {
                    slowStarted.countDown();
                    await(new CountDownLatch(1), 700);
                    return Response.text("slow");
                })
                .build();
    }

    @BeforeAll
    static void start() throws IOException {
        file = Files.createTempFile("h2", ".bin");
        Files.write(file, pattern(300_000));
        server = new UndertowServerProvider().start(app(), config().build());
    }

    static ServerConfig.Builder config() {
        return ServerConfig.builder().host("127.0.0.1").port(0).http2MaxStreams(7).maxHeaderBytes(4000);
    }

    @AfterAll
    static void stop() throws IOException {
        server.stop(Duration.ofSeconds(1));
        Files.deleteIfExists(file);
    }

    @Test
    void answersOnAStreamWithTheLimitsAsSettings() throws IOException {
        try (H2 h2 = new H2(server.port())) {
            Frame settings = h2.next();
            assertEquals(SETTINGS, settings.type);
            assertEquals(7, settings.setting(0x3)); // SETTINGS_MAX_CONCURRENT_STREAMS
            assertEquals(4000, settings.setting(0x6)); // SETTINGS_MAX_HEADER_LIST_SIZE
            h2.request(1, "GET", "/", true);
            assertEquals(0x88, h2.until(HEADERS, 1).payload[0] & 0xFF); // :status 200, indexed
            assertEquals("Hello HTTP/2.0 localhost", h2.body(1));
        }
    }

    @Test
    void sendsAFileLargerThanTheWindowAsTheClientOpensIt() throws IOException {
        try (H2 h2 = new H2(server.port())) {
            h2.request(1, "GET", "/file", true);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            Frame f;
            do {
                f = h2.until(DATA, 1);
                body.writeBytes(f.payload);
                // the default windows are 65,535 bytes: open both again for what came
                byte[] increment = ByteBuffer.allocate(4).putInt(f.payload.length).array();
                if (f.payload.length > 0) {
                    h2.frame(WINDOW_UPDATE, 0, 0, increment);
                    h2.frame(WINDOW_UPDATE, 0, 1, increment);
                }
            } while ((f.flags & 1) == 0);
            assertArrayEquals(pattern(300_000), body.toByteArray());
        }
    }

    @Test
    void headAnswersWithTheStatusAndEndsTheStream() throws IOException {
        try (H2 h2 = new H2(server.port())) {
            h2.request(1, "HEAD", "/", true);
            Frame head = h2.until(HEADERS, 1);
            assertEquals(0x88, head.payload[0] & 0xFF);
            assertEquals(0x5, head.flags & 0x5, "END_HEADERS and END_STREAM, no DATA");
        }
    }

    @Test
    void expectContinueGetsA100HeadersFrameBeforeTheBody() throws IOException {
        try (H2 h2 = new H2(server.port())) {
            h2.request(1, false, ":method", "POST", ":scheme", "http", ":path", "/count", ":authority", "a",
                    "expect", "100-continue", "content-length", "3");
            Frame interim = h2.until(HEADERS, 1);
            assertEquals(0x4, interim.flags, "END_HEADERS, the stream goes on");
            assertTrue((interim.payload[0] & 0xFF) != 0x88, "not the final 200");
            h2.data(1, "abc".getBytes(StandardCharsets.US_ASCII), true);
            assertEquals(0x88, h2.until(HEADERS, 1).payload[0] & 0xFF);
            assertEquals("HTTP/2.0 3", h2.body(1));
        }
    }

    @Test
    void readsABodyInDataFramesWithoutContentLength() throws IOException {
        try (H2 h2 = new H2(server.port())) {
            h2.request(1, "POST", "/count", false);
            h2.data(1, new byte[20_000], false);
            h2.data(1, new byte[5_000], true);
            assertEquals("HTTP/2.0 25000", h2.body(1));
        }
    }

    @Test
    void sendsEachFlushAsDataFramesAtOnce() throws IOException {
        try (H2 h2 = new H2(server.port())) {
            h2.request(1, "GET", "/stream", true);
            Frame first = h2.until(DATA, 1);
            assertEquals("one", new String(first.payload, StandardCharsets.US_ASCII)); // while the app still waits
            assertEquals(0, first.flags & 1);
            release.countDown();
            assertEquals("two", h2.body(1));
        }
    }

    @Test
    void abortResetsTheStreamAndLeavesTheConnection() throws IOException {
        try (H2 h2 = new H2(server.port())) {
            h2.request(1, "GET", "/fail", true);
            assertEquals("one", new String(h2.until(DATA, 1).payload, StandardCharsets.US_ASCII));
            Frame reset = h2.until(RST_STREAM, 1);
            assertEquals(0x8, ByteBuffer.wrap(reset.payload).getInt()); // CANCEL
            h2.request(3, "GET", "/", true);
            assertEquals("Hello HTTP/2.0 localhost", h2.body(3));
        }
    }

    @Test
    void stopSendsGoAwayLetsTheStreamFinishThenClosesWithGoAway() throws Exception {
        Server stopped = new UndertowServerProvider().start(app(), config().build());
        try (H2 h2 = new H2(stopped.port())) {
            slowStarted = new CountDownLatch(1);
            h2.request(1, "GET", "/slow", true);
            await(slowStarted);
            CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> stopped.stop(Duration.ofSeconds(5)));
            Frame first = h2.until(GOAWAY, 0); // at once, while the stream is in flight: no new streams
            assertEquals(Integer.MAX_VALUE, ByteBuffer.wrap(first.payload).getInt());
            assertEquals(0, ByteBuffer.wrap(first.payload).getInt(4)); // NO_ERROR
            assertTrue(h2.seen.stream().noneMatch(f -> f.type == DATA), "before the response");
            h2.request(3, "GET", "/", true); // one a client opened before it read the GOAWAY: the engine's 503
            assertEquals(503, status(h2.until(HEADERS, 3)));
            assertEquals("slow", h2.body(1));
            Frame last = h2.until(GOAWAY, 0);
            assertEquals(3, ByteBuffer.wrap(last.payload).getInt()); // the last stream taken
            assertEquals(0, ByteBuffer.wrap(last.payload).getInt(4));
            h2.assertClosed();
            stop.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aBodyThatStopsArrivingIs408OnItsStream() throws IOException {
        Server slow = new UndertowServerProvider().start(app(), config().bodyReadTimeout(Duration.ofMillis(300)).build());
        try (H2 h2 = new H2(slow.port())) {
            h2.request(1, "POST", "/count", false);
            h2.data(1, new byte[10], false);
            assertEquals(408, status(h2.until(HEADERS, 1)));
            h2.request(3, "GET", "/", true);
            assertEquals("Hello HTTP/2.0 localhost", h2.body(3));
        } finally {
            slow.stop(Duration.ofSeconds(1));
        }
    }

    @Test
    void aHeaderListOverTheSettingEndsTheConnection() throws IOException {
        try (H2 h2 = new H2(server.port())) {
            h2.request(1, true, ":method", "GET", ":scheme", "http", ":path", "/", ":authority", "a", "x-big", "x".repeat(5000));
            assertEquals(0x1, ByteBuffer.wrap(h2.until(GOAWAY, 0).payload).getInt(4)); // PROTOCOL_ERROR
            h2.assertClosed();
        }
    }

    @Test
    void idleConnectionWithoutStreamsGetsGoAway() throws IOException {
        Server idle = new UndertowServerProvider().start(app(), config().idleTimeout(Duration.ofMillis(300)).build());
        try (H2 h2 = new H2(idle.port())) {
            long start = System.nanoTime();
            Frame goAway = h2.until(GOAWAY, 0);
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(250));
            assertEquals(0, ByteBuffer.wrap(goAway.payload).getInt(4));
            h2.assertClosed();
        } finally {
            idle.stop(Duration.ofSeconds(1));
        }
    }

    /**
     * Undertow puts :authority in the Host field; a Host field without :authority stands for it, one equal to it is
     * served, and one unlike it is refused (the adapter passes the values Undertow replaced).
     */
    @Test
    void authorityIsTheHostAndAHostFieldAloneServesToo() throws IOException {
        try (H2 h2 = new H2(server.port())) {
            h2.request(1, true, ":method", "GET", ":scheme", "http", ":path", "/", ":authority", "example", "host", "example");
            assertEquals("Hello HTTP/2.0 example", h2.body(1));
            h2.request(3, true, ":method", "GET", ":scheme", "http", ":path", "/", "host", "example");
            assertEquals("Hello HTTP/2.0 example", h2.body(3));
            h2.request(5, true, ":method", "GET", ":scheme", "http", ":path", "/");
            assertEquals(0x8C, h2.until(HEADERS, 5).payload[0] & 0xFF); // :status 400, indexed: no Host
            h2.request(7, true, ":method", "GET", ":scheme", "http", ":path", "/", ":authority", "auth", "host", "example");
            assertEquals(0x8C, h2.until(HEADERS, 7).payload[0] & 0xFF); // two hosts
        }
    }

    @Test
    void idleConnectionAfterAStreamGetsGoAway() throws IOException {
        Server idle = new UndertowServerProvider().start(app(), config().idleTimeout(Duration.ofMillis(300)).build());
        try (H2 h2 = new H2(idle.port())) {
            h2.request(1, "GET", "/", true);
            assertEquals("Hello HTTP/2.0 localhost", h2.body(1));
            Frame goAway = h2.until(GOAWAY, 0);
            assertEquals(1, ByteBuffer.wrap(goAway.payload).getInt());
            h2.assertClosed();
        } finally {
            idle.stop(Duration.ofSeconds(1));
        }
    }

    @Test
    void aPrefaceInPartsIsHttp2AndABeginningLikeItHttp1() throws Exception {
        try (H2 h2 = new H2(server.port(), 3)) {
            h2.request(1, "GET", "/", true);
            assertEquals("Hello HTTP/2.0 localhost", h2.body(1));
        }
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("P".getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(100);
            socket.getOutputStream().write("OST /count HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 200 ") && answer.endsWith("HTTP/1.1 3"), answer);
        }
    }

    @Test
    void servesOnTheIoThreadToo() throws IOException {
        Server inline = new UndertowServerProvider().start(app(), config().execution(Execution.IO_THREAD).build());
        try (H2 h2 = new H2(inline.port())) {
            h2.request(1, "GET", "/", true);
            h2.request(3, "POST", "/count", false);
            h2.data(3, new byte[100], true);
            assertEquals("Hello HTTP/2.0 localhost", h2.body(1));
            assertEquals("HTTP/2.0 100", h2.body(3));
        } finally {
            inline.stop(Duration.ofSeconds(1));
        }
    }

    @Test
    void rapidResetGetsEnhanceYourCalmAndOthersAreStillServed() throws IOException {
        try (H2 h2 = new H2(server.port())) {
            // Undertow's limit: 200 resets in 30 s; one more than that, and nothing after it that the server would not read
            for (int stream = 1; stream < 2 * 201; stream += 2) {
                h2.request(stream, "GET", "/", true);
                h2.frame(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(0x8).array());
            }
            Frame goAway = h2.until(GOAWAY, 0);
            assertEquals(0xB, ByteBuffer.wrap(goAway.payload).getInt(4)); // ENHANCE_YOUR_CALM
            h2.assertClosed();
        }
        try (H2 other = new H2(server.port())) {
            other.request(1, "GET", "/", true);
            assertEquals("Hello HTTP/2.0 localhost", other.body(1));
        }
    }

    @Test
    void prefaceIs505WithHttp2Off() throws IOException {
        Server off = new UndertowServerProvider().start(app(), config().http2(false).build());
        try (Socket socket = new Socket("127.0.0.1", off.port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(H2.PREFACE);
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 505 "), answer);
        } finally {
            off.stop(Duration.ofSeconds(1));
        }
    }

    static void await(CountDownLatch latch) {
        await(latch, 5000);
    }

    static void await(CountDownLatch latch, long millis) {
        try {
            latch.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Returns the :status of a response HEADERS frame that begins with it, as Undertow encodes it: indexed from the
     * static table, or a literal with the indexed name :status and three digits, raw or Huffman-coded.
     */
    static int status(Frame headers) {
        int first = headers.payload[0] & 0xFF;
        if (first >= 0x88 && first <= 0x8E) {
            return new int[] {200, 204, 206, 304, 400, 404, 500}[first - 0x88];
        }
        assertTrue(first == 0x48 || first == 0x08 || first == 0x18, "a literal with the name :status: " + first);
        int length = headers.payload[1] & 0x7F;
        if ((headers.payload[1] & 0x80) == 0) {
            return Integer.parseInt(new String(headers.payload, 2, length, StandardCharsets.US_ASCII));
        }
        // Huffman: 0, 1 and 2 are 5 bits (00000 to 00010), 3 to 9 are 6 bits (011001 to 011111)
        long bits = 0;
        for (int i = 0; i < length; i++) {
            bits = bits << 8 | headers.payload[2 + i] & 0xFF;
        }
        int left = 8 * length;
        int status = 0;
        for (int digit = 0; digit < 3; digit++) {
            int five = (int) (bits >>> (left - 5)) & 0x1F;
            if (five <= 2) {
                status = status * 10 + five;
                left -= 5;
            } else {
                status = status * 10 + ((int) (bits >>> (left - 6)) & 0x3F) - 0x19 + 3;
                left -= 6;
            }
        }
        return status;
    }

    record Frame(int type, int flags, int stream, byte[] payload) {
        int setting(int id) {
            ByteBuffer b = ByteBuffer.wrap(payload);
            while (b.remaining() >= 6) {
                int key = b.getShort() & 0xFFFF;
                int value = b.getInt();
                if (key == id) {
                    return value;
                }
            }
            return -1;
        }
    }

    /** A bare HTTP/2 client: the preface, literal header fields without Huffman coding, frames as they come. */
    static final class H2 implements AutoCloseable {
        static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        final Socket socket;
        final OutputStream out;
        final DataInputStream in;
        final List<Frame> seen = new ArrayList<>();

        H2(int port) throws IOException {
            this(port, 1);
        }

        /** Connects and sends the preface in so many parts, a moment apart. */
        H2(int port, int parts) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            in = new DataInputStream(socket.getInputStream());
            for (int i = 0, at = 0; i < parts; i++) {
                int to = (i + 1) * PREFACE.length / parts;
                out.write(PREFACE, at, to - at);
                out.flush();
                at = to;
                if (i + 1 < parts) {
                    await(new CountDownLatch(1), 50);
                }
            }
            frame(SETTINGS, 0, 0, new byte[0]);
        }

        void request(int stream, String method, String path, boolean end) throws IOException {
            request(stream, end, ":method", method, ":scheme", "http", ":path", path, ":authority", "localhost");
        }

        void request(int stream, boolean end, String... fields) throws IOException {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            for (int i = 0; i < fields.length; i += 2) {
                String[] field = {fields[i], fields[i + 1]};
                block.write(0); // literal without indexing, new name
                string(block, field[0]);
                string(block, field[1]);
            }
            frame(HEADERS, end ? 0x5 : 0x4, stream, block.toByteArray());
        }

        void data(int stream, byte[] bytes, boolean end) throws IOException {
            for (int at = 0; at < bytes.length; at += 16_384) {
                int n = Math.min(16_384, bytes.length - at);
                byte[] part = java.util.Arrays.copyOfRange(bytes, at, at + n);
                frame(DATA, end && at + n == bytes.length ? 1 : 0, stream, part);
            }
        }

        private static void string(ByteArrayOutputStream block, String s) {
            byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
            int length = bytes.length; // an HPACK integer with a 7-bit prefix, no Huffman coding
            if (length < 127) {
                block.write(length);
            } else {
                block.write(127);
                for (length -= 127; length >= 128; length >>= 7) {
                    block.write(length & 0x7F | 0x80);
                }
                block.write(length);
            }
            block.writeBytes(bytes);
        }

        void frame(int type, int flags, int stream, byte[] payload) throws IOException {
            byte[] head = ByteBuffer.allocate(9).put((byte) (payload.length >> 16)).putShort((short) payload.length)
                    .put((byte) type).put((byte) flags).putInt(stream).array();
            out.write(head);
            out.write(payload);
            out.flush();
        }

        /** Returns the next frame, acknowledging the server's settings on the way. */
        Frame next() throws IOException {
            int length = in.readUnsignedByte() << 16 | in.readUnsignedShort();
            Frame frame = new Frame(in.readUnsignedByte(), in.readUnsignedByte(), in.readInt() & 0x7FFFFFFF, in.readNBytes(length));
            if (frame.type == SETTINGS && (frame.flags & 1) == 0) {
                frame(SETTINGS, 1, 0, new byte[0]);
            }
            seen.add(frame);
            return frame;
        }

        Frame until(int type, int stream) throws IOException {
            for (Frame f : seen) {
                if (f.type == type && f.stream == stream) {
                    seen.remove(f);
                    return f;
                }
            }
            while (true) {
                Frame f = next();
                if (f.type == type && f.stream == stream) {
                    seen.remove(f);
                    return f;
                }
            }
        }

        /** Returns the stream's DATA until END_STREAM. */
        String body(int stream) throws IOException {
            StringBuilder body = new StringBuilder();
            Frame f;
            do {
                f = until(DATA, stream);
                body.append(new String(f.payload, StandardCharsets.UTF_8));
            } while ((f.flags & 1) == 0);
            return body.toString();
        }

        void assertClosed() throws IOException {
            try {
                while (true) {
                    assertFalse(next().type == HEADERS, "no response after GOAWAY");
                }
            } catch (EOFException | java.net.SocketException e) {
                // closed
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
