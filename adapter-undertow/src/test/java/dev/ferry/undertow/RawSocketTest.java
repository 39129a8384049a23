package dev.ferry.undertow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.Body;
import dev.ferry.Handler;
import dev.ferry.Response;
import dev.ferry.routing.Router;
import dev.ferry.server.Execution;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Raw-socket checks of the Undertow adapter: framing, limits, body streaming and the response kinds. */
class RawSocketTest {

    @TempDir
    static Path dir;
    static Server server;
    static Server inline;

    static Handler app() throws IOException {
        Path file = Files.writeString(dir.resolve("hello.txt"), "file content\n");
        return Router.builder()
                .get("/", r -> Response.text("Hello, World!"))
                .get("/t/{name}", r -> Response.text(r.pathParam("name") + " " + r.rawPath() + "?" + r.rawQuery() + " " + r.version()))
                .post("/echo", r -> Response.ok().withBody(Body.of(r.body().stream(), r.body().length())))
                .post("/count", r -> Response.text(Long.toString(r.body().stream().transferTo(java.io.OutputStream.nullOutputStream()))))
                .get("/stream", r -> Response.ok().withBody(Body.streamed(out -> {
                    out.write("one\n".getBytes());
                    out.flush();
                    out.write("two\n".getBytes());
                })))
                .get("/file", r -> Response.ok().withBody(Body.of(file)))
                .get("/region/{from}/{length}", r -> Response.ok().withBody(
                        Body.of(file, Long.parseLong(r.pathParam("from")), Long.parseLong(r.pathParam("length")))))
                .get("/fail", r -> Response.ok().withBody(Body.streamed(out -> {
                    out.write("one\n".getBytes());
                    out.flush();
                    throw new IllegalStateException("failed after the head");
                })))
                .get("/thread", r -> Response.text(Thread.currentThread().isVirtual() ? "virtual" : Thread.currentThread().getName()))
                .post("/thread", r -> Response.text(Thread.currentThread().isVirtual() ? "virtual" : Thread.currentThread().getName()))
                .get("/boom", r -> {
                    throw new IllegalStateException("boom");
                })
                .build();
    }

    @BeforeAll
    static void start() throws IOException {
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).maxRequestBody(1000)
                .maxRequestLine(1024).maxHeaderBytes(2048).maxHeaderCount(20).build();
        server = new UndertowServerProvider().start(app(), config);
        inline = new UndertowServerProvider().start(app(), config.toBuilder().execution(Execution.IO_THREAD).build());
    }

    @AfterAll
    static void stop() {
        server.stop(Duration.ofSeconds(1));
        inline.stop(Duration.ofSeconds(1));
    }

    static String exchange(Server target, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", target.port())) {
            socket.setSoTimeout(3000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return readAll(socket.getInputStream());
        }
    }

    static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            out.write("<open>".getBytes());
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "request line too long | GET /LONG HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 414",
        "header too large | GET / HTTP/1.1\\r\\nHost: x\\r\\nX-Big: BIG\\r\\n\\r\\n | 431",
        "too many headers | GET / HTTP/1.1\\r\\nHost: x\\r\\nMANY\\r\\n | 431",
        "CL and TE | POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n | 400",
        "duplicate CL | POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3\\r\\nContent-Length: 3\\r\\n\\r\\nabc | 400",
        "invalid CL | POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3x\\r\\n\\r\\nabc | 400",
        "negative CL | POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: -3\\r\\n\\r\\nabc | 400",
        "unknown coding | POST /echo HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\nabc | 400",
        "bare LF in line | GET / HTTP/1.1\\nHost: x\\r\\n\\r\\n | 400",
        "bare LF in header | GET / HTTP/1.1\\r\\nHost: x\\nX-A: b\\r\\n\\r\\n | 400",
        "bare CR | GET / HTTP/1.1\\r\\nHost: x\\rX-A: b\\r\\n\\r\\n | 400",
        "obs-fold | GET / HTTP/1.1\\r\\nHost: x\\r\\nX-A: b\\r\\n c\\r\\n\\r\\n | 400",
        "space before colon | GET / HTTP/1.1\\r\\nHost: x\\r\\nX-A : b\\r\\n\\r\\n | 400",
        "missing Host | GET / HTTP/1.1\\r\\n\\r\\n | 400",
        "two Hosts | GET / HTTP/1.1\\r\\nHost: x\\r\\nHost: y\\r\\n\\r\\n | 400",
        "NUL in value | GET / HTTP/1.1\\r\\nHost: x\\r\\nX-A: b\\0c\\r\\n\\r\\n | 400",
        "bad escape | GET /a%zz HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 400",
        "truncated escape | GET /a%2 HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 400",
        "no version | GET /hello\\r\\nHost: x\\r\\n\\r\\n | 400",
        "double space | GET  / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 400",
        "bad version | GET / HTTP/x.y\\r\\nHost: x\\r\\n\\r\\n | 400",
        "body over limit | POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 5000\\r\\n\\r\\n | 413",
    })
    void rejects(String name, String request, int status) throws IOException {
        String raw = request.replace("\\r", "\r").replace("\\n", "\n").replace("\\0", "\0").replace("LONG", "a".repeat(1100)).replace("BIG", "b".repeat(2100))
                .replace("MANY", "X-A: b\r\n".repeat(21));
        for (Server target : new Server[] {server, inline}) {
            String response = exchange(target, raw);
            assertTrue(response.startsWith("HTTP/1.1 " + status + " "), name + ": " + response);
            assertTrue(response.contains("\r\nConnection: close\r\n"), response);
            assertTrue(response.contains("\r\nDate: "), response);
            assertFalse(response.endsWith("<open>"), "connection must close: " + response);
        }
    }

    @Test
    void servesKeepAliveAndPipelined() throws IOException {
        for (Server target : new Server[] {server, inline}) {
            String request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
            String response = exchange(target, request + request + "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertEquals(3, response.split("Hello, World!", -1).length - 1, response);
            assertFalse(response.contains("Server:"), response);
            assertFalse(response.contains("keep-alive"), response);
            assertTrue(response.contains("Content-Length: 13\r\n"), response);
        }
    }

    @Test
    void sendsExactlyAFileRegionOnBothModesEvenPipelined() throws IOException {
        for (Server target : new Server[] {server, inline}) {
            String response = exchange(target, "GET /region/5/7 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /region/0/4 HTTP/1.1\r\nHost: x\r\n\r\nGET /region/8/5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            String[] bodies = response.split("HTTP/1.1 200 OK\r\n");
            assertEquals(4, bodies.length, response);
            assertTrue(bodies[1].contains("Content-Length: 7\r\n") && bodies[1].endsWith("\r\n\r\ncontent"), response);
            assertTrue(bodies[2].contains("Content-Length: 4\r\n") && bodies[2].endsWith("\r\n\r\nfile"), response);
            assertTrue(bodies[3].contains("Content-Length: 5\r\n") && bodies[3].endsWith("\r\n\r\ntent\n"), response);
        }
    }

    @Test
    void aFileAfterAStreamedResponseOnOneConnection() throws IOException {
        // a race: Undertow may start the second request on the thread that ended the first, so try it often
        for (int i = 0; i < 200; i++) for (Server target : new Server[] {server, inline}) {
            String response = exchange(target, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /file HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertTrue(response.contains("one\n") && response.endsWith("\r\n\r\nfile content\n"), response);
        }
    }

    @Test
    void keepsTheRawTarget() throws IOException {
        String response = new String(exchange(server, "GET /t/caf%C3%A9?q=%20a&b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        assertTrue(response.endsWith("\r\n\r\ncaf\u00e9 /t/caf%C3%A9?q=%20a&b HTTP/1.1"), response);
    }

    @Test
    void streamsBodiesBothWays() throws IOException {
        for (Server target : new Server[] {server, inline}) {
            String fixed = exchange(target, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
            assertTrue(fixed.startsWith("HTTP/1.1 200") && fixed.endsWith("\r\n\r\nhello"), fixed);
            String chunked = exchange(target, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nTrailer: x\r\n\r\n");
            assertTrue(chunked.startsWith("HTTP/1.1 200") && chunked.contains("Transfer-Encoding: chunked"), chunked);
            assertTrue(chunked.contains("abc") && chunked.contains("de") && chunked.endsWith("0\r\n\r\n"), chunked);
            String tooMuch = exchange(target, "POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "7d0\r\n" + "x".repeat(2000) + "\r\n0\r\n\r\n");
            assertTrue(tooMuch.startsWith("HTTP/1.1 413") && tooMuch.contains("Connection: close"), tooMuch);
            String streamed = exchange(target, "GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertTrue(streamed.contains("Transfer-Encoding: chunked") && streamed.contains("one\n") && streamed.endsWith("0\r\n\r\n"), streamed);
            String file = exchange(target, "GET /file HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertTrue(file.contains("Content-Length: 13\r\n") && file.endsWith("file content\n"), file);
            String head = exchange(target, "HEAD /file HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertTrue(head.contains("Content-Length: 13\r\n") && head.endsWith("\r\n\r\n"), head);
            String boom = exchange(target, "GET /boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertTrue(boom.startsWith("HTTP/1.1 500") && !boom.contains("boom"), boom);
        }
    }

    /** Reads until the server closes the connection; returns what came and when the close came, in ms after start. */
    static String closed(Socket socket, long start, long[] at) throws IOException {
        socket.setSoTimeout(6000);
        String text = readAll(socket.getInputStream());
        at[0] = (System.nanoTime() - start) / 1_000_000;
        return text;
    }

    @Test
    void headsHaveTheHeaderTimeoutFromAcceptOrTheirFirstByteAndIdleConnectionsTheIdleTimeout() throws Exception {
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0)
                .requestHeaderTimeout(Duration.ofMillis(800)).idleTimeout(Duration.ofMillis(1200)).build();
        Server quick = new UndertowServerProvider().start(app(), config);
        try (Socket silent = new Socket("127.0.0.1", quick.port()); Socket slow = new Socket("127.0.0.1", quick.port());
             Socket kept = new Socket("127.0.0.1", quick.port()); Socket late = new Socket("127.0.0.1", quick.port())) {
            long start = System.nanoTime();
            slow.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n".getBytes());
            kept.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            late.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            long[] at = {0};
            assertEquals("", closed(silent, start, at));
            assertTrue(at[0] >= 600 && at[0] < 1150, "a silent new connection closes at the header timeout: " + at[0]);
            assertEquals("", closed(slow, start, at));
            assertTrue(at[0] < 1150, "an incomplete head closes at the header timeout: " + at[0]);
            Thread.sleep(1000 - at[0]);
            // a head begun late in the idle time has the whole header timeout from its first byte
            late.getOutputStream().write("GET / HTTP/1.1\r\n".getBytes());
            assertTrue(closed(kept, start, at).startsWith("HTTP/1.1 200"));
            assertTrue(at[0] >= 1100 && at[0] < 2000, "a kept connection closes at the idle timeout: " + at[0]);
            assertTrue(closed(late, start, at).startsWith("HTTP/1.1 200"));
            assertTrue(at[0] >= 1650 && at[0] < 2600, "the late head closes at its own header timeout: " + at[0]);
        } finally {
            quick.stop(Duration.ZERO);
        }
    }

    @Test
    void passesOverAnEmptyLineSplitAcrossReads() throws Exception {
        for (Server target : new Server[] {server, inline}) {
            try (Socket socket = new Socket("127.0.0.1", target.port())) {
                socket.setSoTimeout(3000);
                socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n\r".getBytes());
                socket.getOutputStream().flush();
                Thread.sleep(150);
                socket.getOutputStream().write("\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes());
                String response = readAll(socket.getInputStream());
                assertEquals(2, response.split("Hello, World!", -1).length - 1, response);
            }
        }
    }

    @Test
    void refusesAHeadArrivingAfterAnsweredRequestsOnTheSameConnection() throws Exception {
        for (Server target : new Server[] {server, inline}) {
            try (Socket socket = new Socket("127.0.0.1", target.port())) {
                socket.setSoTimeout(3000);
                socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
                byte[] buffer = new byte[4096];
                assertTrue(new String(buffer, 0, socket.getInputStream().read(buffer)).startsWith("HTTP/1.1 200"));
                socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\nX-B: 2\r\n\r\nGET / HTTP/1.1\r\n\r\n".getBytes());
                String refusal = readAll(socket.getInputStream());
                assertTrue(refusal.startsWith("HTTP/1.1 400 ") && refusal.contains("\r\nConnection: close\r\n"), refusal);
                assertEquals(1, refusal.split("HTTP/1.1 ", -1).length - 1, "one refusal, then the close: " + refusal);
            }
        }
    }

    /** Sends the request with the fuzzer's probe behind it; returns what came before the close, failing if that took longer than {@code ms}. */
    static String closedWithin(Server target, String request, boolean halfClose, long ms) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", target.port())) {
            long start = System.nanoTime();
            socket.getOutputStream().write((request + PROBE).getBytes(StandardCharsets.ISO_8859_1));
            if (halfClose) {
                socket.shutdownOutput();
            }
            long[] at = {0};
            String response = closed(socket, start, at);
            assertTrue(at[0] < ms && !response.endsWith("<open>"), "closed after " + at[0] + " ms, not within " + ms + ": " + response);
            assertFalse(response.contains("probe"), "nothing after the body is served: " + response);
            return response;
        }
    }

    static final String PROBE = "GET /ferry-probe HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n";

    @Test
    void answers408ForABodyThatStopsArrivingAnd400AtOnceForOneTheClientEnds() throws Exception {
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).bodyReadTimeout(Duration.ofMillis(800)).build();
        String[] shortBodies = {"POST /count HTTP/1.1\r\nHost: localhost\r\nContent-Length: 105\r\n\r\nhello",
            "POST /count HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n69\r\nhello"};
        for (Execution execution : Execution.values()) {
            Server quick = new UndertowServerProvider().start(app(), config.toBuilder().execution(execution).build());
            try {
                for (String request : shortBodies) {
                    long start = System.nanoTime();
                    String stalled = closedWithin(quick, request, false, 2000);
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    assertTrue(stalled.startsWith("HTTP/1.1 408 ") && stalled.contains("\r\nConnection: close\r\n"), stalled);
                    assertTrue(ms >= 700, "408 at the body read timeout, not before: " + ms);
                    // the client's end of its side inside the body is no stall: the request is not the one it announced
                    String ended = closedWithin(quick, request, true, 500);
                    assertTrue(ended.startsWith("HTTP/1.1 400 ") && ended.contains("\r\nConnection: close\r\n"), ended);
                }
            } finally {
                quick.stop(Duration.ZERO);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // refused by the core's check before Undertow parses the head
        "absolute target, other host | POST http://other.example/ HTTP/1.1\\r\\nHost: localhost\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nd\\r\\nhello, chunke7\\r\\nd world\\r\\n0\\r\\n\\r\\n | 400",
        "double colon | POST / HTTP/1.1\\r\\nHost:: localhost\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0x14\\r\\nhello, chunked world\\r\\n0\\r\\n\\r\\n | 400",
        "NBSP in Host | POST / HTTP/1.1\\r\\nHost:   localhost\\xA0\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n14\\r\\nhello, chunked world\\r\\n | 400",
        "HTTP/1.0, colon in Host | POST / HTTP/1.0\\r\\nHost: : localhost\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n5;a=\\x0B\\r\\nhello\\r\\n0\\r\\n\\r\\n | 400",
        // a response without a body that closes the connection: Undertow ends the exchange by draining the body first
        "HEAD, closing | HEAD / HTTP/1.1\\r\\nHost: localhost\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3\\r\\nabc\\r\\nzz\\r\\n\\r\\n | 200",
        // the engine answers without reading the body: Undertow drains it after the answer
        "OPTIONS * | OPTIONS * HTTP/1.1\\r\\nHost: localhost\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3\\r\\nabc\\r\\nzz\\r\\n\\r\\n | 400",
        // Undertow's HostHeaderHandler answers by itself, but drains the body first: its answer is lost, the connection
        // closes at once (it waited for the body's end before); see the README
        "Host case differs | GET http://LOCALHOST/ HTTP/1.1\\r\\nHost: localhost\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3\\r\\nabc\\r\\nzz\\r\\n\\r\\n | 0",
        "IPv4 in IPv6 Host | POST / HTTP/1.1\\r\\nHost: [::1.2.3.4]\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3\\r\\nabc\\r\\nzz\\r\\n\\r\\n | 0",
    })
    void closesAtOnceWhenABrokenBodyFollowsAnAnswer(String name, String request, int status) throws IOException {
        String raw = request.replace("\\r", "\r").replace("\\n", "\n").replace("\\xA0", "\u00a0").replace("\\x0B", "\u000b");
        for (Server target : new Server[] {server, inline}) {
            for (boolean halfClose : new boolean[] {false, true}) {
                String response = closedWithin(target, raw, halfClose, 1000);
                if (status > 0) {
                    assertTrue(response.startsWith("HTTP/1.1 " + status + " "), name + ": " + response);
                    assertEquals(1, response.split("HTTP/1.1 ", -1).length - 1, "one answer, then the close: " + response);
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"a=1&?a=2", "a?b", "&?a", "a&?", "?", "??", "??x", "???", "?a=1&?a=2", "??a=1&?a=2", "???a=1&??a=2", "??&a", "?&?", "??&?", "??=x", "?=x", "?a=1&?", "??a&?a&a"})
    void keepsAQueryThatBeginsWithAQuestionMark(String query) throws IOException {
        for (Server target : new Server[] {server, inline}) {
            String response = exchange(target, "GET /t/q?" + query + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertTrue(response.endsWith("\r\n\r\nq /t/q?" + query + " HTTP/1.1"), response);
        }
    }

    @Test
    void sends100ContinueWithoutFieldsStraightToTheSocket() throws Exception {
        for (Server target : new Server[] {server, inline}) {
            try (Socket socket = new Socket("127.0.0.1", target.port())) {
                socket.setSoTimeout(3000);
                socket.getOutputStream().write(("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
                        + "Connection: close\r\n\r\n").getBytes());
                byte[] interim = socket.getInputStream().readNBytes(25);
                assertEquals("HTTP/1.1 100 Continue\r\n\r\n", new String(interim, StandardCharsets.ISO_8859_1));
                socket.getOutputStream().write("hello".getBytes());
                String response = readAll(socket.getInputStream());
                assertTrue(response.startsWith("HTTP/1.1 200") && response.endsWith("\r\n\r\nhello"), response);
            }
        }
    }

    @Test
    void cutsAStreamThatFailsAfterItBegan() throws Exception {
        for (Server target : new Server[] {server, inline}) {
            String chunked = exchange(target, "GET /fail HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(chunked.contains("Transfer-Encoding: chunked") && chunked.contains("one"), chunked);
            assertFalse(chunked.endsWith("0\r\n\r\n") || chunked.endsWith("<open>"), "never a last chunk: " + chunked);
            // a body that runs until the close is told from a whole one only by a reset
            try (Socket socket = new Socket("127.0.0.1", target.port())) {
                socket.setSoTimeout(3000);
                socket.getOutputStream().write("GET /fail HTTP/1.0\r\n\r\n".getBytes());
                InputStream in = socket.getInputStream();
                assertThrows(SocketException.class, () -> {
                    while (in.read() >= 0) {
                        // read up to the reset
                    }
                });
            }
        }
    }

    @Test
    void runsHandlersWhereTheExecutionSays() throws IOException {
        assertTrue(exchange(server, "GET /thread HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").endsWith("virtual"));
        String io = exchange(inline, "GET /thread HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(io.contains("I/O"), "a request without a body runs on the IO thread: " + io);
        String body = exchange(inline, "POST /thread HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
        assertTrue(body.endsWith("virtual"), "a request with a body runs on a virtual thread: " + body);
    }

    @Test
    void finishesInFlightRequestsOnStop() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        Handler slow = Router.builder().get("/slow", r -> {
            entered.countDown();
            Thread.sleep(500);
            return Response.text("done");
        }).get("/", r -> Response.text("hi")).build();
        Server stopping = new UndertowServerProvider().start(slow, ServerConfig.builder().host("127.0.0.1").port(0).build());
        try (Socket first = new Socket("127.0.0.1", stopping.port()); Socket second = new Socket("127.0.0.1", stopping.port())) {
            first.setSoTimeout(3000);
            second.setSoTimeout(3000);
            second.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            byte[] buffer = new byte[4096];
            assertTrue(new String(buffer, 0, second.getInputStream().read(buffer)).startsWith("HTTP/1.1 200"));
            first.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            assertTrue(entered.await(2, TimeUnit.SECONDS));
            Thread stopper = Thread.ofPlatform().start(() -> stopping.stop(Duration.ofSeconds(5)));
            Thread.sleep(100);
            second.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            String refused = readAll(second.getInputStream());
            assertTrue(refused.startsWith("HTTP/1.1 503") && refused.contains("Connection: close"), refused);
            String finished = readAll(first.getInputStream());
            assertTrue(finished.startsWith("HTTP/1.1 200") && finished.contains("done"), finished);
            stopper.join(5000);
        }
    }
}
