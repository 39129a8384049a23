package dev.ferry.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import dev.ferry.testkit.RawClient;
import dev.ferry.testkit.RawResponse;
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
    void refusesToStartWhenTlsIsConfigured() {
        ServerConfig config = ServerConfig.builder().port(0).tls(dev.ferry.server.Tls.pem(
                java.nio.file.Path.of("cert.pem"), java.nio.file.Path.of("key.pem"))).build();
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> new DevServerProvider().start(request -> Response.text("never"), config));
        assertTrue(refused.getMessage().startsWith("The dev server serves plain HTTP only, but TLS is configured"), refused.getMessage());
        assertTrue(refused.getMessage().contains("ferry-adapter-undertow") && refused.getMessage().contains("ferry.tls.*"),
                refused.getMessage());
    }

    @Test
    void bindsLoopbackByDefault() {
        assertEquals("127.0.0.1", start().host());
        assertTrue(server.port() > 0);
    }

    @Test
    void writesFixedLengthResponsesWithDateAndNoServerHeader() throws IOException {
        start();
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse reply = client.get("/text");
            assertEquals("HTTP/1.1", reply.version());
            assertEquals(200, reply.status());
            assertEquals("OK", reply.reason());
            assertEquals(Optional.of("13"), reply.header("Content-Length"));
            assertEquals(Optional.of("text/plain; charset=utf-8"), reply.header("Content-Type"));
            assertTrue(reply.has("Date"), reply.head());
            assertEquals(Optional.empty(), reply.header("Server"));
            assertEquals("Hello, World!", reply.text());
            RawResponse empty = client.get("/empty");
            assertEquals(200, empty.status());
            assertEquals(Optional.of("0"), empty.header("Content-Length"));
        }
    }

    @Test
    void headHasTheGetLengthAndNoBody() throws IOException {
        start();
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse head = client.send("HEAD /text HTTP/1.1\r\nHost: t\r\n\r\n").readHead();
            assertEquals(200, head.status());
            assertEquals(Optional.of("13"), head.header("Content-Length"));
            // the next response on the same connection starts right away: no body was sent
            assertEquals("Hello, World!", client.get("/text").text());
        }
    }

    @Test
    void noBodyFor204And304() throws IOException {
        start();
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse noContent = client.get("/no-content");
            assertEquals(204, noContent.status());
            assertEquals(Optional.empty(), noContent.header("Content-Length"));
            assertEquals(Optional.empty(), noContent.header("Transfer-Encoding"));
            RawResponse notModified = client.get("/not-modified");
            assertEquals(304, notModified.status());
            assertEquals(Optional.empty(), notModified.header("Transfer-Encoding"));
            assertEquals("Hello, World!", client.get("/text").text());
        }
    }

    @Test
    void streamedBodiesAreChunkedAndFlushReachesTheClient() throws IOException {
        start();
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse head = client.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n").readHeaders();
            assertEquals("HTTP/1.1", head.version());
            assertEquals(200, head.status());
            assertEquals("OK", head.reason());
            assertTrue(head.headers("Transfer-Encoding").stream().anyMatch("chunked"::equalsIgnoreCase), head.head());
            // the writer is still blocked: only its flush can have sent this
            assertEquals("first", new String(client.readChunk(), StandardCharsets.UTF_8));
            release.countDown();
            assertEquals("second", new String(client.readChunk(), StandardCharsets.UTF_8));
            assertEquals(0, client.readChunk().length, "the last chunk");
        }
    }

    @Test
    void aWriterThatFailsCutsTheConnectionInsteadOfEndingTheBody() throws IOException {
        start();
        try (RawClient client = RawClient.connect(server.port())) {
            client.send("GET /broken-stream HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThrows(IOException.class, client::read, "a client must not see a complete response");
        }
    }

    @Test
    void requestBodiesStreamInBothFramings() throws IOException {
        start();
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse fixed = client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: text/x-test\r\nContent-Length: 5\r\n\r\nhello").read();
            assertEquals("hello", fixed.text());
            assertEquals(Optional.of("text/x-test"), fixed.header("Content-Type"));
            assertEquals(Optional.of("5"), fixed.header("Content-Length"));
            RawResponse chunked = client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").read();
            assertEquals("abcde", chunked.text());
            assertEquals(RawResponse.Framing.CHUNKED, chunked.framing(), "unknown length goes out chunked");
        }
    }

    @Test
    void bodyLimitIs413BeforeReadingWhenDeclaredAndWhileReadingWhenChunked() throws IOException {
        start(ServerConfig.builder().maxRequestBody(10));
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse declared = client.send("POST /read HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n").read();
            assertEquals(413, declared.status());
            assertEquals(Optional.of("close"), declared.header("Connection"));
            assertTrue(client.closedSilentlyWithin(Duration.ofSeconds(2)));
        }
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse chunked = client.send("POST /read HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n").read();
            assertEquals(413, chunked.status());
            assertEquals(Optional.of("close"), chunked.header("Connection"));
        }
        try (RawClient client = RawClient.connect(server.port())) {
            assertEquals("10", client.send("POST /read HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n0123456789").read().text());
        }
    }

    @Test
    void connectionCloseIsHonouredBothWays() throws IOException {
        start();
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse reply = client.get("/close");
            assertEquals(Optional.of("close"), reply.header("Connection"));
            assertTrue(client.closedSilentlyWithin(Duration.ofSeconds(2)));
        }
        try (RawClient client = RawClient.connect(server.port())) {
            client.send("GET /text HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").read();
            assertTrue(client.closedSilentlyWithin(Duration.ofSeconds(2)));
        }
        try (RawClient client = RawClient.connect(server.port())) {
            assertEquals("Hello, World!", client.send("GET /text HTTP/1.0\r\n\r\n").read().text());
            assertTrue(client.closedSilentlyWithin(Duration.ofSeconds(2)), "HTTP/1.0 without keep-alive closes");
        }
    }

    @Test
    void limitsTheJdkParserDoesNotCheckAreAnsweredWithTheContractStatus() throws IOException {
        start(ServerConfig.builder().maxRequestLine(100).maxHeaderCount(5).maxHeaderBytes(200));
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse line = client.get("/" + "a".repeat(100));
            assertEquals(414, line.status());
            assertEquals(Optional.of("close"), line.header("Connection"));
            assertTrue(client.closedSilentlyWithin(Duration.ofSeconds(2)));
        }
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse count = client.send("GET /text HTTP/1.1\r\nHost: t\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n").read();
            assertEquals(431, count.status());
            assertTrue(client.closedSilentlyWithin(Duration.ofSeconds(2)));
        }
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse bytes = client.send("GET /text HTTP/1.1\r\nHost: t\r\nBig: " + "b".repeat(200) + "\r\n\r\n").read();
            assertEquals(431, bytes.status());
        }
        try (RawClient client = RawClient.connect(server.port())) {
            assertEquals(200, client.send("GET /text HTTP/1.1\r\nHost: t\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n").read().status());
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
            try (RawClient client = RawClient.connect(server.port())) {
                RawResponse reply = client.send(request).read();
                assertEquals(400, reply.status(), request);
                assertTrue(client.closedSilentlyWithin(Duration.ofSeconds(2)), request);
            }
        }
    }

    @Test
    void httpExceptionsKeepTheirStatus() throws IOException {
        start();
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse reply = client.get("/teapot");
            assertEquals(418, reply.status());
            assertEquals("I'm a teapot", reply.text());
        }
    }

    @Test
    void handlersRunOnVirtualThreadsOrInlineAsConfigured() throws IOException {
        start();
        try (RawClient client = RawClient.connect(server.port())) {
            client.get("/text");
            assertTrue(virtual);
        }
        server.stop(Duration.ZERO);
        start(ServerConfig.builder().execution(Execution.IO_THREAD));
        try (RawClient client = RawClient.connect(server.port())) {
            assertEquals("Hello, World!", client.get("/text").text());
            assertFalse(virtual);
        }
    }

    @Test
    void gracefulStopFinishesRequestsInFlightAndAnswersNewOnes503() throws Exception {
        start();
        try (RawClient busy = RawClient.connect(server.port()); RawClient idle = RawClient.connect(server.port())) {
            assertEquals(200, idle.get("/text").status()); // a keep-alive connection
            busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
            assertTrue(entered.await(5, TimeUnit.SECONDS));
            Thread stopper = Thread.ofPlatform().start(() -> server.stop(Duration.ofSeconds(5)));
            Thread.sleep(200);
            RawResponse refused = idle.get("/text");
            assertEquals(503, refused.status());
            assertEquals(Optional.of("close"), refused.header("Connection"));
            release.countDown();
            RawResponse finished = busy.read();
            assertEquals("finished", finished.text());
            stopper.join(5000);
            assertFalse(stopper.isAlive());
        }
    }

    @Test
    void stopGivesUpAfterTheGracePeriod() throws Exception {
        start();
        try (RawClient busy = RawClient.connect(server.port())) {
            busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
            assertTrue(entered.await(5, TimeUnit.SECONDS));
            long began = System.nanoTime();
            server.stop(Duration.ofMillis(300));
            long millis = (System.nanoTime() - began) / 1_000_000;
            assertTrue(millis >= 290 && millis < 3000, "stopped after " + millis + " ms");
            assertTrue(busy.closedSilentlyWithin(Duration.ofSeconds(2)));
        }
    }
}
