package dev.ferry.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.Body;
import dev.ferry.Handler;
import dev.ferry.Response;
import dev.ferry.routing.Router;
import dev.ferry.server.Execution;
import dev.ferry.server.Ferry;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.testkit.RawClient;
import dev.ferry.testkit.RawResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The Netty adapter over raw sockets: framing, limits, timeouts, streaming both ways, shutdown. */
class NettyServerTest {

    private static final String HOST = "Host: test\r\n";
    private static final Duration CLOSE = Duration.ofSeconds(5);

    private final AtomicLong streamedBytes = new AtomicLong();
    private final CountDownLatch slowStarted = new CountDownLatch(1);
    private final CountDownLatch slowRelease = new CountDownLatch(1);
    private final CountDownLatch flushed = new CountDownLatch(1);
    private final CountDownLatch stallStarted = new CountDownLatch(1);
    private final CountDownLatch stallRelease = new CountDownLatch(1);
    private Server server;

    @TempDir
    Path dir;

    private Handler app() {
        return Router.builder()
                .get("/plaintext", request -> Response.text("Hello, World!"))
                .post("/echo", request -> Response.ok()
                        .withContentType("application/octet-stream")
                        .withBody(Body.of(request.body().stream(), request.body().length())))
                .post("/count", request -> {
                    long n;
                    try (InputStream in = request.body().stream()) {
                        n = in.transferTo(OutputStream.nullOutputStream());
                    }
                    return Response.text(Long.toString(n));
                })
                .post("/ignore", request -> Response.text("ignored"))
                .get("/thread", request -> Response.text(Thread.currentThread().isVirtual() ? "virtual" : "io"))
                .post("/thread", request -> Response.text(Thread.currentThread().isVirtual() ? "virtual" : "io"))
                .post("/stall", request -> {
                    stallStarted.countDown();
                    stallRelease.await(10, TimeUnit.SECONDS);
                    long n;
                    try (InputStream in = request.body().stream()) {
                        n = in.transferTo(OutputStream.nullOutputStream());
                    }
                    return Response.text(Long.toString(n));
                })
                .get("/huge", request -> Response.ok().withBody(Body.streamed(out -> {
                    byte[] chunk = new byte[64 * 1024];
                    for (int i = 0; i < 4096; i++) { // 256 MiB
                        out.write(chunk);
                        streamedBytes.addAndGet(chunk.length);
                    }
                })))
                .get("/sse", request -> Response.ok().withContentType("text/event-stream").withBody(Body.streamed(out -> {
                    out.write("data: one\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    try {
                        if (!flushed.await(5, TimeUnit.SECONDS)) {
                            throw new IOException("the client never saw the first event");
                        }
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                    out.write("data: two\n\n".getBytes(StandardCharsets.UTF_8));
                })))
                .get("/fails-streaming", request -> Response.ok().withBody(Body.streamed(out -> {
                    throw new IllegalStateException("the writer fails before writing");
                })))
                .get("/file", request -> Response.ok().withContentType("text/plain").withBody(Body.of(dir.resolve("f.txt"))))
                .get("/slow", request -> {
                    slowStarted.countDown();
                    slowRelease.await(10, TimeUnit.SECONDS);
                    return Response.text("slow done");
                })
                .get("/boom", request -> {
                    throw new IllegalStateException("boom");
                })
                .build();
    }

    private Server start(ServerConfig.Builder config) {
        server = new NettyServerProvider().start(app(), config.host("127.0.0.1").port(0).build());
        return server;
    }

    private Server start() {
        return start(ServerConfig.builder());
    }

    @AfterEach
    void stop() {
        slowRelease.countDown();
        stallRelease.countDown();
        if (server != null) {
            server.stop(Duration.ofSeconds(1));
        }
    }

    @ParameterizedTest
    @EnumSource(Execution.class)
    void servesAndKeepsTheConnectionAlive(Execution execution) throws Exception {
        start(ServerConfig.builder().execution(execution));
        try (RawClient client = RawClient.connect(server.port())) {
            for (int i = 0; i < 3; i++) {
                RawResponse response = client.send("GET /plaintext HTTP/1.1\r\n" + HOST + "\r\n").read();
                assertEquals(200, response.status());
                assertEquals("Hello, World!", response.text());
                assertEquals(List.of("13"), response.headers("Content-Length"));
                assertEquals(List.of("text/plain; charset=utf-8"), response.headers("Content-Type"));
                assertTrue(response.has("Date"));
                assertFalse(response.has("Server"));
                assertFalse(response.has("Connection"));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Execution.class)
    void answersPipelinedRequestsInOrder(Execution execution) throws Exception {
        start(ServerConfig.builder().execution(execution));
        try (RawClient client = RawClient.connect(server.port())) {
            client.send("GET /plaintext HTTP/1.1\r\n" + HOST + "\r\n"
                    + "POST /echo HTTP/1.1\r\n" + HOST + "Content-Length: 5\r\n\r\nhello"
                    + "GET /nowhere HTTP/1.1\r\n" + HOST + "\r\n"
                    + "POST /count HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                    + "GET /plaintext HTTP/1.1\r\n" + HOST + "Connection: close\r\n\r\n");
            assertEquals("Hello, World!", client.read().text());
            assertEquals("hello", client.read().text());
            assertEquals(404, client.read().status());
            assertEquals("3", client.read().text());
            RawResponse last = client.read();
            assertEquals(List.of("close"), last.headers("Connection"));
            assertTrue(client.closedSilentlyWithin(CLOSE));
        }
    }

    @Test
    void headAndErrorsAndHttp10() throws Exception {
        start();
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse head = client.send("HEAD /plaintext HTTP/1.1\r\n" + HOST + "\r\n").readHead();
            assertEquals(200, head.status());
            assertEquals(List.of("13"), head.headers("Content-Length"));
            RawResponse boom = client.send("GET /boom HTTP/1.1\r\n" + HOST + "\r\n").read();
            assertEquals(500, boom.status());
            assertFalse(boom.text().contains("boom"));
            assertEquals(List.of("close"), boom.headers("Connection"));
            assertTrue(client.closedSilentlyWithin(CLOSE));
        }
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse response = client.send("GET /plaintext HTTP/1.0\r\n\r\n").read();
            assertEquals(200, response.status());
            assertTrue(client.closedSilentlyWithin(CLOSE));
        }
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse response = client.send("GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
            assertEquals(List.of("keep-alive"), response.headers("Connection"));
            assertEquals(200, client.send("GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read().status());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            CL and TE              | 400 | POST /echo HTTP/1.1\\r\\nHost: t\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n
            two Content-Lengths    | 400 | POST /echo HTTP/1.1\\r\\nHost: t\\r\\nContent-Length: 3\\r\\nContent-Length: 4\\r\\n\\r\\nabcd
            same Content-Lengths   | 400 | POST /echo HTTP/1.1\\r\\nHost: t\\r\\nContent-Length: 3\\r\\nContent-Length: 3\\r\\n\\r\\nabc
            listed Content-Length  | 400 | POST /echo HTTP/1.1\\r\\nHost: t\\r\\nContent-Length: 3, 3\\r\\n\\r\\nabc
            signed Content-Length  | 400 | POST /echo HTTP/1.1\\r\\nHost: t\\r\\nContent-Length: +3\\r\\n\\r\\nabc
            text Content-Length    | 400 | POST /echo HTTP/1.1\\r\\nHost: t\\r\\nContent-Length: abc\\r\\n\\r\\n
            unknown coding         | 400 | POST /echo HTTP/1.1\\r\\nHost: t\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\n
            coding list            | 400 | POST /echo HTTP/1.1\\r\\nHost: t\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n0\\r\\n\\r\\n
            bare LF                | 400 | GET /plaintext HTTP/1.1\\nHost: t\\n\\n
            bare LF in headers     | 400 | GET /plaintext HTTP/1.1\\r\\nHost: t\\nX: y\\r\\n\\r\\n
            bare CR                | 400 | GET /plaintext HTTP/1.1\\r\\nHost: t\\rX: y\\r\\n\\r\\n
            obs-fold               | 400 | GET /plaintext HTTP/1.1\\r\\nHost: t\\r\\nX: a\\r\\n  b\\r\\n\\r\\n
            space before colon     | 400 | GET /plaintext HTTP/1.1\\r\\nHost : t\\r\\n\\r\\n
            no colon               | 400 | GET /plaintext HTTP/1.1\\r\\nHost: t\\r\\nNoColon\\r\\n\\r\\n
            missing Host           | 400 | GET /plaintext HTTP/1.1\\r\\n\\r\\n
            two Hosts              | 400 | GET /plaintext HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n
            NUL in a value         | 400 | GET /plaintext HTTP/1.1\\r\\nHost: t\\r\\nX: a\\u0000b\\r\\n\\r\\n
            bad header name        | 400 | GET /plaintext HTTP/1.1\\r\\nHost: t\\r\\nX(y): z\\r\\n\\r\\n
            double space in line   | 400 | GET  /plaintext HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n
            bad chunk size         | 400 | POST /count HTTP/1.1\\r\\nHost: t\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\n
            HTTP/2.0 on HTTP/1     | 505 | GET /plaintext HTTP/2.0\\r\\nHost: t\\r\\n\\r\\n
            bad target             | 400 | GET /a%zz HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n
            """)
    void refusesMalformedFramingAndCloses(String name, int status, String raw) throws Exception {
        start();
        String request = raw.replace("\\r", "\r").replace("\\n", "\n").replace("\\u0000", "\u0000");
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse response = client.send(request).read();
            assertEquals(status, response.status(), name);
            assertEquals(List.of("close"), response.headers("Connection"), name);
            assertTrue(client.closedSilentlyWithin(CLOSE), name + ": connection left open");
        }
    }

    @Test
    void enforcesTheSizeLimits() throws Exception {
        start(ServerConfig.builder().maxRequestBody(1000));
        String longTarget = "/" + "a".repeat(9000);
        assertRefused("GET " + longTarget + " HTTP/1.1\r\n" + HOST + "\r\n", 414);
        assertRefused("GET /plaintext HTTP/1.1\r\n" + HOST + "X-Big: " + "b".repeat(17 * 1024) + "\r\n\r\n", 431);
        StringBuilder many = new StringBuilder("GET /plaintext HTTP/1.1\r\n" + HOST);
        for (int i = 0; i < 101; i++) {
            many.append("X-").append(i).append(": v\r\n");
        }
        assertRefused(many + "\r\n", 431);
        assertRefused("POST /count HTTP/1.1\r\n" + HOST + "Content-Length: 1001\r\n\r\n", 413);
        // a chunked body past the limit fails while the handler reads it
        assertRefused("POST /count HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n"
                + "3e9\r\n" + "x".repeat(1001) + "\r\n0\r\n\r\n", 413);
        // just under the limits passes
        try (RawClient client = RawClient.connect(server.port())) {
            String target = "/plaintext?" + "q".repeat(8000);
            assertEquals(200, client.send("GET " + target + " HTTP/1.1\r\n" + HOST + "\r\n").read().status());
            StringBuilder hundred = new StringBuilder("GET /plaintext HTTP/1.1\r\n" + HOST);
            for (int i = 0; i < 99; i++) {
                hundred.append("X-").append(i).append(": v\r\n");
            }
            assertEquals(200, client.send(hundred + "\r\n").read().status());
            assertEquals("1000", client.send("POST /count HTTP/1.1\r\n" + HOST + "Content-Length: 1000\r\n\r\n"
                    + "x".repeat(1000)).read().text());
        }
    }

    private void assertRefused(String request, int status) throws IOException {
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse response = client.send(request).read();
            assertEquals(status, response.status());
            assertEquals(List.of("close"), response.headers("Connection"));
            assertTrue(client.closedSilentlyWithin(CLOSE));
        }
    }

    @Test
    void closesSlowHeadersAndIdleConnections() throws Exception {
        start(ServerConfig.builder().requestHeaderTimeout(Duration.ofMillis(300)).idleTimeout(Duration.ofMillis(600)));
        try (RawClient client = RawClient.connect(server.port())) {
            client.send("GET /plaintext HTTP/1.1\r\nHost: t\r\n");
            long started = System.nanoTime();
            assertEquals(408, client.read().status());
            assertTrue(client.closedSilentlyWithin(CLOSE));
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(2));
        }
        try (RawClient client = RawClient.connect(server.port())) {
            assertEquals(200, client.send("GET /plaintext HTTP/1.1\r\n" + HOST + "\r\n").read().status());
            Thread.sleep(400); // longer than the header timeout, shorter than the idle timeout
            assertEquals(200, client.send("GET /plaintext HTTP/1.1\r\n" + HOST + "\r\n").read().status());
            long started = System.nanoTime();
            assertTrue(client.closedSilentlyWithin(CLOSE));
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(2));
        }
    }

    @Test
    void streamsLargeBodiesBothWays() throws Exception {
        start(ServerConfig.builder().maxRequestBody(1L << 40));
        long size = 16L * 1024 * 1024;
        try (RawClient client = RawClient.connect(server.port())) {
            CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
                try {
                    client.send("POST /echo HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n");
                    int length = 32 * 1024;
                    byte[] chunk = ("z".repeat(length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                    byte[] framed = (Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                    for (long sent = 0; sent < size; sent += length) {
                        client.send(framed).send(chunk);
                    }
                    client.send("0\r\n\r\n");
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            RawResponse response = client.read();
            upload.get(30, TimeUnit.SECONDS);
            assertEquals(200, response.status());
            assertEquals(size, response.body().length);
            assertEquals(List.of("chunked"), response.headers("Transfer-Encoding"));
        }
    }

    @Test
    void aClientThatStopsReadingHoldsTheWriterNotTheHeap() throws Exception {
        start();
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(64 * 1024);
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
            socket.getOutputStream().write(("GET /huge HTTP/1.1\r\n" + HOST + "\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getInputStream().readNBytes(1024);
            Thread.sleep(800);
            long stalled = streamedBytes.get();
            Thread.sleep(500);
            assertEquals(stalled, streamedBytes.get(), "the writer kept going while nobody read");
            assertTrue(stalled < 32L * 1024 * 1024, "wrote " + stalled + " bytes for a client that read 1 KiB");
            // reading again lets it continue
            InputStream in = socket.getInputStream();
            in.readNBytes(16 * 1024 * 1024);
            Thread.sleep(100);
            assertTrue(streamedBytes.get() > stalled);
        }
    }

    @ParameterizedTest
    @EnumSource(Execution.class)
    void flushesWhenTheAppFlushes(Execution execution) throws Exception {
        start(ServerConfig.builder().execution(execution));
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse head = client.send("GET /sse HTTP/1.1\r\n" + HOST + "\r\n").readHeaders();
            assertEquals("HTTP/1.1", head.version());
            assertEquals(200, head.status());
            assertEquals(RawResponse.Framing.CHUNKED, head.framing());
            assertEquals("data: one\n\n", new String(client.readChunk(), StandardCharsets.UTF_8));
            flushed.countDown();
            assertEquals("data: two\n\n", new String(client.readChunk(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aWriterThatFailsBeforeWritingGets500() throws Exception {
        start();
        try (RawClient client = RawClient.connect(server.port())) {
            assertEquals(500, client.send("GET /fails-streaming HTTP/1.1\r\n" + HOST + "\r\n").read().status());
        }
    }

    @Test
    void sendsFiles() throws Exception {
        byte[] content = new byte[300_000];
        Arrays.fill(content, (byte) 'f');
        Files.write(dir.resolve("f.txt"), content);
        start();
        try (RawClient client = RawClient.connect(server.port())) {
            for (int i = 0; i < 2; i++) {
                RawResponse response = client.send("GET /file HTTP/1.1\r\n" + HOST + "\r\n").read();
                assertEquals(200, response.status());
                assertEquals(List.of("300000"), response.headers("Content-Length"));
                assertTrue(Arrays.equals(content, response.body()));
            }
        }
    }

    @Test
    void continuesAfterExpect100() throws Exception {
        start();
        try (RawClient client = RawClient.connect(server.port())) {
            client.send("POST /count HTTP/1.1\r\n" + HOST + "Content-Length: 4\r\nExpect: 100-continue\r\n\r\n");
            assertEquals(100, client.read().status());
            assertEquals("4", client.send("abcd").read().text());
        }
    }

    @Test
    void keepsTheConnectionWhenASmallBodyIsNotRead() throws Exception {
        start();
        try (RawClient client = RawClient.connect(server.port())) {
            assertEquals("ignored", client.send("POST /ignore HTTP/1.1\r\n" + HOST + "Content-Length: 10\r\n\r\n0123456789").read().text());
            assertEquals(200, client.send("GET /plaintext HTTP/1.1\r\n" + HOST + "\r\n").read().status());
        }
    }

    @Test
    void stopsGracefully() throws Exception {
        start(ServerConfig.builder().shutdownGrace(Duration.ofSeconds(5)));
        try (RawClient busy = RawClient.connect(server.port()); RawClient idle = RawClient.connect(server.port())) {
            assertEquals(200, idle.send("GET /plaintext HTTP/1.1\r\n" + HOST + "\r\n").read().status());
            busy.send("GET /slow HTTP/1.1\r\n" + HOST + "\r\n");
            assertTrue(slowStarted.await(5, TimeUnit.SECONDS));
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> server.stop(Duration.ofSeconds(5)));
            Thread.sleep(200);
            RawResponse refused = idle.send("GET /plaintext HTTP/1.1\r\n" + HOST + "\r\n").read();
            assertEquals(503, refused.status());
            assertEquals(List.of("close"), refused.headers("Connection"));
            assertTrue(idle.closedSilentlyWithin(CLOSE));
            // the listener stays open during the grace period, so that a late client is told, not refused
            try (RawClient late = RawClient.connect(server.port())) {
                RawResponse answer = late.send("GET /plaintext HTTP/1.1\r\n" + HOST + "\r\n").read();
                assertEquals(503, answer.status());
                assertEquals(List.of("close"), answer.headers("Connection"));
                assertTrue(late.closedSilentlyWithin(CLOSE));
            }
            slowRelease.countDown();
            RawResponse slow = busy.read();
            assertEquals(200, slow.status());
            assertEquals("slow done", slow.text());
            assertEquals(List.of("close"), slow.headers("Connection"));
            stopping.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aStopSendsTheLastBytesOfAResponseBeforeClosing() throws Exception {
        // io_uring completes writes after the flush: a close right behind them must not drop them
        for (int i = 0; i < 40; i++) {
            CountDownLatch gate = new CountDownLatch(1);
            Handler app = request -> Response.ok().withBody(Body.streamed(out -> {
                out.write("first\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                try {
                    gate.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                out.write("second\n".getBytes(StandardCharsets.UTF_8));
            }));
            Server own = new NettyServerProvider().start(app, ServerConfig.builder().host("127.0.0.1").port(0).build());
            try (RawClient client = RawClient.connect(own.port())) {
                client.send("GET / HTTP/1.1\r\n" + HOST + "\r\n").readHeaders();
                assertEquals("first\n", new String(client.readChunk(), StandardCharsets.UTF_8));
                CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> own.stop(Duration.ofSeconds(5)));
                Thread.sleep(10);
                gate.countDown();
                assertEquals("second\n", new String(client.readChunk(), StandardCharsets.UTF_8), "round " + i);
                assertEquals(0, client.readChunk().length, "round " + i);
                stopping.get(5, TimeUnit.SECONDS);
            } finally {
                own.stop(Duration.ZERO);
            }
        }
    }

    @Test
    void forcesTheStopAtTheDeadline() throws Exception {
        start();
        try (RawClient busy = RawClient.connect(server.port())) {
            busy.send("GET /slow HTTP/1.1\r\n" + HOST + "\r\n");
            assertTrue(slowStarted.await(5, TimeUnit.SECONDS));
            long started = System.nanoTime();
            server.stop(Duration.ofMillis(300));
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(4));
            assertTrue(busy.closedSilentlyWithin(CLOSE));
        }
    }

    @Test
    void limitsConnections() throws Exception {
        start(ServerConfig.builder().maxConnections(2));
        try (RawClient a = RawClient.connect(server.port()); RawClient b = RawClient.connect(server.port())) {
            assertEquals(200, a.send("GET /plaintext HTTP/1.1\r\n" + HOST + "\r\n").read().status());
            assertEquals(200, b.send("GET /plaintext HTTP/1.1\r\n" + HOST + "\r\n").read().status());
            try (RawClient c = RawClient.connect(server.port())) {
                c.timeout(Duration.ofMillis(500)).send("GET /plaintext HTTP/1.1\r\n" + HOST + "\r\n");
                assertThrows(IOException.class, c::read, "a third connection was served past the limit");
                assertEquals(200, a.send("GET /plaintext HTTP/1.1\r\n" + HOST + "\r\n").read().status());
            }
            b.close();
            Thread.sleep(100);
            try (RawClient d = RawClient.connect(server.port())) {
                assertEquals(200, d.send("GET /plaintext HTTP/1.1\r\n" + HOST + "\r\n").read().status());
            }
        }
    }

    @Test
    void runsRequestsWithoutABodyOnTheEventLoopInTheIoThreadMode() throws Exception {
        start(ServerConfig.builder().execution(Execution.IO_THREAD));
        try (RawClient client = RawClient.connect(server.port())) {
            assertEquals("io", client.send("GET /thread HTTP/1.1\r\n" + HOST + "\r\n").read().text());
            assertEquals("virtual", client.send("POST /thread HTTP/1.1\r\n" + HOST + "Content-Length: 2\r\n\r\nok").read().text());
        }
        stop();
        start(ServerConfig.builder());
        try (RawClient client = RawClient.connect(server.port())) {
            assertEquals("virtual", client.send("GET /thread HTTP/1.1\r\n" + HOST + "\r\n").read().text());
        }
    }

    @Test
    void aHandlerThatDoesNotReadHoldsTheUploadNotTheHeap() throws Exception {
        start(ServerConfig.builder().maxRequestBody(1L << 40));
        long size = 512L * 1024 * 1024;
        AtomicLong sent = new AtomicLong();
        try (RawClient client = RawClient.connect(server.port())) {
            client.send("POST /stall HTTP/1.1\r\n" + HOST + "Content-Length: " + size + "\r\n\r\n");
            CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
                byte[] chunk = new byte[64 * 1024];
                try {
                    for (long n = 0; n < size; n += chunk.length) {
                        client.send(chunk);
                        sent.addAndGet(chunk.length);
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertTrue(stallStarted.await(5, TimeUnit.SECONDS));
            Thread.sleep(1000);
            long stalled = sent.get();
            Thread.sleep(500);
            assertEquals(stalled, sent.get(), "the upload went on while the handler read nothing");
            assertTrue(stalled < 64L * 1024 * 1024, "took " + stalled + " bytes for a handler that read none");
            stallRelease.countDown();
            upload.get(60, TimeUnit.SECONDS);
            assertEquals(Long.toString(size), client.timeout(Duration.ofSeconds(30)).read().text());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void servesOnEachTransportItIsToldToUse(String transport) throws Exception {
        System.setProperty("ferry.netty.transport", transport);
        try {
            start();
        } catch (IllegalStateException unavailable) {
            Assumptions.abort(transport + " is not available here: " + unavailable.getMessage());
        } finally {
            System.clearProperty("ferry.netty.transport");
        }
        try (RawClient client = RawClient.connect(server.port())) {
            client.send("GET /plaintext HTTP/1.1\r\n" + HOST + "\r\n" + "GET /plaintext HTTP/1.1\r\n" + HOST + "\r\n");
            assertEquals("Hello, World!", client.read().text());
            assertEquals("Hello, World!", client.read().text());
        }
        assertTrue(server.toString().contains(transport), server.toString());
    }

    @Test
    void ferryServeRunsTheAppOnNettyWithNoCodeChange() throws Exception {
        Server served = Ferry.serve("test", app(), ServerConfig.builder().host("127.0.0.1").port(0).build());
        try {
            assertEquals("netty", served.name());
            try (RawClient client = RawClient.connect(served.port())) {
                assertEquals("Hello, World!", client.send("GET /plaintext HTTP/1.1\r\n" + HOST + "\r\n").read().text());
            }
        } finally {
            served.stop(Duration.ofSeconds(1));
        }
    }
}
