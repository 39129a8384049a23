package dev.ferry.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.Body;
import dev.ferry.Handler;
import dev.ferry.HttpException;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.server.Execution;
import dev.ferry.server.Ferry;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.ServerProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dev server over real sockets: framing, streaming, limits, execution and graceful stop. */
class DevServerTest {

    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch entered = new CountDownLatch(1);
    private volatile boolean virtual;

    private final Handler app = request -> {
        virtual = Thread.currentThread().isVirtual();
        return switch (request.path()) {
            case "/text" -> Response.text("Hello, World!");
            case "/empty" -> Response.ok();
            case "/no-content" -> Response.of(Status.NO_CONTENT).withBody("ignored");
            case "/not-modified" -> Response.of(Status.NOT_MODIFIED);
            case "/echo" -> Response.ok().withContentType(request.header("Content-Type").orElse("application/octet-stream"))
                    .withBody(Body.of(request.body().stream(), request.body().length()));
            case "/read" -> Response.text(Integer.toString(request.body().bytes().length));
            case "/stream" -> Response.ok().withBody(Body.streamed(out -> {
                out.write("first".getBytes(StandardCharsets.UTF_8));
                out.flush();
                try {
                    release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                out.write("second".getBytes(StandardCharsets.UTF_8));
            }));
            case "/broken-stream" -> Response.ok().withBody(Body.streamed(out -> {
                out.write("partial".getBytes(StandardCharsets.UTF_8));
                out.flush();
                throw new IOException("the writer failed");
            }));
            case "/slow" -> {
                entered.countDown();
                release.await(5, TimeUnit.SECONDS);
                yield Response.text("finished");
            }
            case "/close" -> Response.text("bye").withHeader("Connection", "close");
            case "/teapot" -> throw new HttpException(418, "I'm a teapot");
            default -> Response.error(Status.NOT_FOUND, "Not Found");
        };
    };

    private Server server;

    private Server start(ServerConfig.Builder config) {
        server = dev.ferry.dev.internal.JdkServerAccess.start(app, config.port(0).build());
        return server;
    }

    private Server start() {
        return start(ServerConfig.builder());
    }

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            server.stop(Duration.ZERO);
        }
    }

    @Test
    void providerIsTheNonProductionDevServer() {
        Optional<ServerProvider> dev = Ferry.installed().stream().filter(p -> p.name().equals("dev")).findFirst();
        assertTrue(dev.isPresent(), "registered with ServiceLoader");
        assertFalse(dev.get().production());
        assertEquals("dev", Ferry.select(Ferry.installed(), Optional.empty()).name());
    }

    @Test
    void bindsLoopbackByDefault() {
        assertEquals("127.0.0.1", start().host());
        assertTrue(server.port() > 0);
    }

    @Test
    void writesFixedLengthResponsesWithDateAndNoServerHeader() throws IOException {
        start();
        try (Raw raw = new Raw(server.port())) {
            Raw.Reply reply = raw.get("/text");
            assertEquals("HTTP/1.1 200 OK", reply.statusLine());
            assertEquals("13", reply.header("Content-Length"));
            assertEquals("text/plain; charset=utf-8", reply.header("Content-Type"));
            assertNotNull(reply.header("Date"));
            assertNull(reply.header("Server"));
            assertEquals("Hello, World!", reply.text());
            Raw.Reply empty = raw.get("/empty");
            assertEquals(200, empty.status());
            assertEquals("0", empty.header("Content-Length"));
        }
    }

    @Test
    void headHasTheGetLengthAndNoBody() throws IOException {
        start();
        try (Raw raw = new Raw(server.port())) {
            Raw.Reply head = raw.send("HEAD /text HTTP/1.1\r\nHost: t\r\n\r\n").read(true);
            assertEquals(200, head.status());
            assertEquals("13", head.header("Content-Length"));
            // the next response on the same connection starts right away: no body was sent
            assertEquals("Hello, World!", raw.get("/text").text());
        }
    }

    @Test
    void noBodyFor204And304() throws IOException {
        start();
        try (Raw raw = new Raw(server.port())) {
            Raw.Reply noContent = raw.get("/no-content");
            assertEquals(204, noContent.status());
            assertNull(noContent.header("Content-Length"));
            assertNull(noContent.header("Transfer-Encoding"));
            Raw.Reply notModified = raw.get("/not-modified");
            assertEquals(304, notModified.status());
            assertNull(notModified.header("Transfer-Encoding"));
            assertEquals("Hello, World!", raw.get("/text").text());
        }
    }

    @Test
    void streamedBodiesAreChunkedAndFlushReachesTheClient() throws IOException {
        start();
        try (Raw raw = new Raw(server.port())) {
            raw.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", raw.line());
            String line;
            boolean chunked = false;
            while (!(line = raw.line()).isEmpty()) {
                chunked |= line.equalsIgnoreCase("Transfer-Encoding: chunked");
            }
            assertTrue(chunked);
            // the writer is still blocked: only its flush can have sent this
            assertEquals("first", raw.chunk());
            release.countDown();
            assertEquals("second", raw.chunk());
            assertEquals("0", raw.line());
        }
    }

    @Test
    void aWriterThatFailsCutsTheConnectionInsteadOfEndingTheBody() throws IOException {
        start();
        try (Raw raw = new Raw(server.port())) {
            raw.send("GET /broken-stream HTTP/1.1\r\nHost: t\r\n\r\n");
            boolean failed = false;
            try {
                raw.read(false);
            } catch (IOException e) {
                failed = true;
            }
            assertTrue(failed, "a client must not see a complete response");
        }
    }

    @Test
    void requestBodiesStreamInBothFramings() throws IOException {
        start();
        try (Raw raw = new Raw(server.port())) {
            Raw.Reply fixed = raw.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: text/x-test\r\nContent-Length: 5\r\n\r\nhello").read(false);
            assertEquals("hello", fixed.text());
            assertEquals("text/x-test", fixed.header("Content-Type"));
            assertEquals("5", fixed.header("Content-Length"));
            Raw.Reply chunked = raw.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").read(false);
            assertEquals("abcde", chunked.text());
            assertTrue(chunked.chunked(), "unknown length goes out chunked");
        }
    }

    @Test
    void bodyLimitIs413BeforeReadingWhenDeclaredAndWhileReadingWhenChunked() throws IOException {
        start(ServerConfig.builder().maxRequestBody(10));
        try (Raw raw = new Raw(server.port())) {
            Raw.Reply declared = raw.send("POST /read HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n").read(false);
            assertEquals(413, declared.status());
            assertEquals("close", declared.header("Connection"));
            assertTrue(raw.closedWithin(2000));
        }
        try (Raw raw = new Raw(server.port())) {
            Raw.Reply chunked = raw.send("POST /read HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n").read(false);
            assertEquals(413, chunked.status());
            assertEquals("close", chunked.header("Connection"));
        }
        try (Raw raw = new Raw(server.port())) {
            assertEquals("10", raw.send("POST /read HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n0123456789").read(false).text());
        }
    }

    @Test
    void connectionCloseIsHonouredBothWays() throws IOException {
        start();
        try (Raw raw = new Raw(server.port())) {
            Raw.Reply reply = raw.get("/close");
            assertEquals("close", reply.header("Connection"));
            assertTrue(raw.closedWithin(2000));
        }
        try (Raw raw = new Raw(server.port())) {
            raw.send("GET /text HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").read(false);
            assertTrue(raw.closedWithin(2000));
        }
        try (Raw raw = new Raw(server.port())) {
            assertEquals("Hello, World!", raw.send("GET /text HTTP/1.0\r\n\r\n").read(false).text());
            assertTrue(raw.closedWithin(2000), "HTTP/1.0 without keep-alive closes");
        }
    }

    @Test
    void limitsTheJdkParserDoesNotCheckAreAnsweredWithTheContractStatus() throws IOException {
        start(ServerConfig.builder().maxRequestLine(100).maxHeaderCount(5).maxHeaderBytes(200));
        try (Raw raw = new Raw(server.port())) {
            Raw.Reply line = raw.get("/" + "a".repeat(100));
            assertEquals(414, line.status());
            assertEquals("close", line.header("Connection"));
            assertTrue(raw.closedWithin(2000));
        }
        try (Raw raw = new Raw(server.port())) {
            Raw.Reply count = raw.send("GET /text HTTP/1.1\r\nHost: t\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n").read(false);
            assertEquals(431, count.status());
            assertTrue(raw.closedWithin(2000));
        }
        try (Raw raw = new Raw(server.port())) {
            Raw.Reply bytes = raw.send("GET /text HTTP/1.1\r\nHost: t\r\nBig: " + "b".repeat(200) + "\r\n\r\n").read(false);
            assertEquals(431, bytes.status());
        }
        try (Raw raw = new Raw(server.port())) {
            assertEquals(200, raw.send("GET /text HTTP/1.1\r\nHost: t\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n").read(false).status());
        }
    }

    @Test
    void malformedFramingIs400AndClose() throws IOException {
        start();
        for (String request : List.of(
                "GET /text HTTP/1.1\r\n\r\n",
                "GET /text HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                "POST /read HTTP/1.1\r\nHost: t\r\nContent-Length: +3\r\n\r\nabc",
                "POST /read HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                "POST /read HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
                "GET /text HTTP/1.1\r\nHost : t\r\n\r\n",
                "GET /a%zz HTTP/1.1\r\nHost: t\r\n\r\n",
                "GET /../etc HTTP/1.1\r\nHost: t\r\n\r\n")) {
            try (Raw raw = new Raw(server.port())) {
                Raw.Reply reply = raw.send(request).read(false);
                assertEquals(400, reply.status(), request);
                assertTrue(raw.closedWithin(2000), request);
            }
        }
    }

    @Test
    void httpExceptionsKeepTheirStatus() throws IOException {
        start();
        try (Raw raw = new Raw(server.port())) {
            Raw.Reply reply = raw.get("/teapot");
            assertEquals(418, reply.status());
            assertEquals("I'm a teapot", reply.text());
        }
    }

    @Test
    void handlersRunOnVirtualThreadsOrInlineAsConfigured() throws IOException {
        start();
        try (Raw raw = new Raw(server.port())) {
            raw.get("/text");
            assertTrue(virtual);
        }
        server.stop(Duration.ZERO);
        start(ServerConfig.builder().execution(Execution.IO_THREAD));
        try (Raw raw = new Raw(server.port())) {
            assertEquals("Hello, World!", raw.get("/text").text());
            assertFalse(virtual);
        }
    }

    @Test
    void gracefulStopFinishesRequestsInFlightAndAnswersNewOnes503() throws Exception {
        start();
        try (Raw busy = new Raw(server.port()); Raw idle = new Raw(server.port())) {
            assertEquals(200, idle.get("/text").status()); // a keep-alive connection
            busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
            assertTrue(entered.await(5, TimeUnit.SECONDS));
            Thread stopper = Thread.ofPlatform().start(() -> server.stop(Duration.ofSeconds(5)));
            Thread.sleep(200);
            Raw.Reply refused = idle.get("/text");
            assertEquals(503, refused.status());
            assertEquals("close", refused.header("Connection"));
            release.countDown();
            Raw.Reply finished = busy.read(false);
            assertEquals("finished", finished.text());
            stopper.join(5000);
            assertFalse(stopper.isAlive());
        }
    }

    @Test
    void stopGivesUpAfterTheGracePeriod() throws Exception {
        start();
        try (Raw busy = new Raw(server.port())) {
            busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
            assertTrue(entered.await(5, TimeUnit.SECONDS));
            long began = System.nanoTime();
            server.stop(Duration.ofMillis(300));
            long millis = (System.nanoTime() - began) / 1_000_000;
            assertTrue(millis >= 290 && millis < 3000, "stopped after " + millis + " ms");
            assertTrue(busy.closedWithin(2000));
        }
    }
}
