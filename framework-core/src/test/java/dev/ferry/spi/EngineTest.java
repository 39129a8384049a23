package dev.ferry.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.Body;
import dev.ferry.Handler;
import dev.ferry.Headers;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.server.ServerConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** The engine's decisions, watched through an exchange that records every primitive called. */
class EngineTest {

    /** An exchange that records what the engine tells it to do. */
    static class Recorder implements Exchange {
        final String method;
        final String target;
        final String version;
        final List<String[]> fields = new ArrayList<>();
        final byte[] body;
        final List<String> calls = new ArrayList<>();
        final StringBuilder written = new StringBuilder();
        boolean bodyOpened;
        boolean ioThread;
        Runnable offloaded;
        ResponseHead head;
        boolean http2;
        boolean bodyFollows;
        String requestScheme = "http";

        Recorder(String method, String target, String version, String body, String... headers) {
            this.method = method;
            this.target = target;
            this.version = version;
            this.body = body.getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < headers.length; i += 2) {
                fields.add(new String[] {headers[i], headers[i + 1]});
            }
        }

        static Recorder get(String target, String... headers) {
            return new Recorder("GET", target, "HTTP/1.1", "", with("Host", "h", headers));
        }

        static Recorder post(String target, String body, String... headers) {
            return new Recorder("POST", target, "HTTP/1.1", body,
                    with("Host", "h", with("Content-Length", Integer.toString(body.length()), headers)));
        }

        static String[] with(String name, String value, String... rest) {
            String[] all = new String[rest.length + 2];
            all[0] = name;
            all[1] = value;
            System.arraycopy(rest, 0, all, 2, rest.length);
            return all;
        }

        Map<String, String> fieldsSent() {
            Map<String, String> sent = new LinkedHashMap<>();
            head.forEach(sent::put);
            return sent;
        }

        @Override
        public String method() {
            return method;
        }

        @Override
        public String target() {
            return target;
        }

        @Override
        public String version() {
            return version;
        }

        @Override
        public boolean http2() {
            return http2;
        }

        @Override
        public boolean bodyFollows() {
            return bodyFollows;
        }

        @Override
        public String requestScheme() {
            return requestScheme;
        }

        @Override
        public void headers(BiConsumer<String, String> action) {
            fields.forEach(field -> action.accept(field[0], field[1]));
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return new InetSocketAddress("127.0.0.1", 5000);
        }

        @Override
        public InputStream body() {
            bodyOpened = true;
            calls.add("body");
            return new ByteArrayInputStream(body);
        }

        @Override
        public void sendContinue() {
            calls.add("continue");
        }

        @Override
        public void send(ResponseHead head, ByteBuffer body) {
            this.head = head;
            calls.add("send " + head.status() + " " + body.remaining());
            written.append(StandardCharsets.ISO_8859_1.decode(body));
        }

        @Override
        public void writeHead(ResponseHead head) {
            this.head = head;
            calls.add("head " + head.status());
        }

        @Override
        public void write(ByteBuffer bytes) {
            calls.add("write " + bytes.remaining());
            written.append(StandardCharsets.ISO_8859_1.decode(bytes));
        }

        @Override
        public void flush() {
            calls.add("flush");
        }

        @Override
        public void end() {
            calls.add("end");
        }

        @Override
        public void abort() {
            calls.add("abort");
        }

        @Override
        public boolean onIoThread() {
            return ioThread;
        }

        @Override
        public void offload(Runnable task) {
            calls.add("offload");
            offloaded = task;
        }
    }

    private static Recorder serve(Handler app, Recorder exchange) {
        return serve(app, ServerConfig.defaults(), exchange);
    }

    private static Recorder serve(Handler app, ServerConfig config, Recorder exchange) {
        Engine.create(app, config).serve(exchange);
        return exchange;
    }

    @Test
    void aFixedBodyGoesOutInOneSendWithItsLengthAndDate() {
        Recorder r = serve(request -> Response.text("hi"), Recorder.get("/"));
        assertEquals(List.of("send 200 2"), r.calls);
        Map<String, String> sent = r.fieldsSent();
        assertEquals("2", sent.get("Content-Length"));
        assertTrue(sent.containsKey("Date"));
        assertFalse(sent.containsKey("Connection"), "HTTP/1.1 keeps the connection without saying so");
        assertEquals(ResponseHead.Framing.LENGTH, r.head.framing());
        assertTrue(new String(r.head.encode(), StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"));
    }

    @Test
    void aRequestsParsedFieldsSentBackAreCheckedAgain() {
        // a server's parser may let through a name that is no token; fields the app added were checked as added
        Recorder echoed = serve(request -> Response.ok().withHeaders(request.headers().without("Host").plus("X-Ok", "1")),
                Recorder.get("/", "Bad Name", "x"));
        assertEquals(List.of("send 500 21"), echoed.calls);
        Recorder sound = serve(request -> Response.ok().withHeaders(request.headers().without("Host")),
                Recorder.get("/", "X-Id", "7"));
        assertEquals("7", sound.fieldsSent().get("X-Id"));
    }

    @Test
    void http10KeepsAliveOnlyWhenAskedAndNeverChunks() {
        Recorder asked = serve(request -> Response.text("x"),
                new Recorder("GET", "/", "HTTP/1.0", "", "Connection", "keep-alive"));
        assertEquals("keep-alive", asked.head.connection());
        Recorder plain = serve(request -> Response.text("x"), new Recorder("GET", "/", "HTTP/1.0", ""));
        assertTrue(plain.head.closes());
        Recorder streamed = serve(request -> Response.ok().withBody(Body.streamed(out -> out.write('a'))),
                new Recorder("GET", "/", "HTTP/1.0", "", "Connection", "keep-alive"));
        assertEquals(ResponseHead.Framing.UNTIL_CLOSE, streamed.head.framing());
        assertTrue(streamed.head.closes(), "a body that ends with the connection closes it");
    }

    @Test
    void closeAnywhereInTheConnectionFieldCloses() {
        assertTrue(serve(request -> Response.ok(), Recorder.get("/", "Connection", "keep-alive, close")).head.closes());
        assertTrue(serve(request -> Response.ok(), Recorder.get("/", "Connection", "keep-alive", "Connection", "Close")).head.closes());
        assertFalse(serve(request -> Response.ok(), Recorder.get("/", "Connection", "keep-alive")).head.closes());
    }

    @Test
    void aWriterFailingBeforeItWritesIsAnErrorThatCloses() {
        Recorder r = serve(request -> Response.ok().withBody(Body.streamed(out -> {
            throw new IOException("broken");
        })), Recorder.get("/"));
        assertEquals(List.of("send 500 21"), r.calls);
        assertTrue(r.head.closes());
    }

    @Test
    void aWriterFailingAfterFlushingCutsTheConnection() {
        Recorder r = serve(request -> Response.ok().withBody(Body.streamed(out -> {
            out.write("first".getBytes());
            out.flush();
            throw new IOException("broken");
        })), Recorder.get("/"));
        assertEquals(List.of("head 200", "write 5", "flush", "abort"), r.calls);
        assertEquals(ResponseHead.Framing.CHUNKED, r.head.framing());
    }

    @Test
    void anAppContentLengthFramesAStreamedBodyAndIsHeldToIt() {
        Recorder exact = serve(request -> Response.ok().withHeader("Content-Length", "3")
                .withBody(Body.streamed(out -> out.write("abc".getBytes()))), Recorder.get("/"));
        assertEquals(List.of("head 200", "write 3", "end"), exact.calls);
        assertEquals(ResponseHead.Framing.LENGTH, exact.head.framing());
        assertFalse(exact.fieldsSent().containsKey("Transfer-Encoding"));
        Recorder shorter = serve(request -> Response.ok().withHeader("Content-Length", "5")
                .withBody(Body.streamed(out -> out.write("abc".getBytes()))), Recorder.get("/"));
        assertEquals(List.of("send 500 21"), shorter.calls, "short before anything was sent: still an error status");
        Recorder flushedShort = serve(request -> Response.ok().withHeader("Content-Length", "5")
                .withBody(Body.streamed(out -> {
                    out.write("abc".getBytes());
                    out.flush();
                })), Recorder.get("/"));
        assertEquals(List.of("head 200", "write 3", "flush", "abort"), flushedShort.calls, "short after the head: cut");
        Recorder longer = serve(request -> Response.ok().withHeader("Content-Length", "2")
                .withBody(Body.streamed(out -> out.write("abc".getBytes()))), Recorder.get("/"));
        assertEquals(List.of("send 500 21"), longer.calls, "nothing was committed yet, so the error can still be answered");
    }

    @Test
    void serverFieldsFromTheAppAreDroppedAndItsSpellingKept() {
        Recorder r = serve(request -> Response.of(Status.OK, Headers.of("x-Mixed", "1", "Transfer-Encoding", "gzip",
                "Keep-Alive", "timeout=5", "Connection", "close"), Body.of("ok")), Recorder.get("/"));
        Map<String, String> sent = r.fieldsSent();
        assertEquals("1", sent.get("x-Mixed"));
        assertNull(sent.get("Transfer-Encoding"));
        assertNull(sent.get("Keep-Alive"));
        assertEquals("close", sent.get("Connection"), "an app may ask to close");
    }

    @Test
    void aReasonPhraseThatCannotBeSentCannotBeMade() {
        for (String reason : new String[] {"Fine\r\nX-Evil: 1", "Fine\u0001", "Fine\u013B"}) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new Status(299, reason));
        }
        assertEquals("Fine \u00E9", serve(request -> Response.of(new Status(299, "Fine \u00E9")), Recorder.get("/")).head.reason());
    }

    @Test
    void continueGoesOutOnTheFirstReadOnly() {
        Recorder read = serve(request -> Response.text(request.body().text()),
                Recorder.post("/", "hello", "Expect", "100-continue"));
        assertEquals(List.of("continue", "body", "send 200 5"), read.calls);
        assertFalse(read.head.closes());
        Recorder ignored = serve(request -> Response.text("no"), Recorder.post("/", "hello", "Expect", "100-continue"));
        assertEquals(List.of("send 200 2"), ignored.calls, "no 100 Continue and the body is never opened");
        assertTrue(ignored.head.closes(), "a body never invited may or may not come: the connection cannot be reused");
    }

    @Test
    void aBodyDeclaredOverTheLimitIs413WithoutRunningTheApp() {
        AtomicBoolean ran = new AtomicBoolean();
        Recorder r = serve(request -> {
            ran.set(true);
            return Response.ok();
        }, ServerConfig.builder().maxRequestBody(4).build(), Recorder.post("/", "hello", "Expect", "100-continue"));
        assertFalse(ran.get());
        assertEquals(413, r.head.status());
        assertTrue(r.head.closes());
        assertFalse(r.calls.contains("continue"));
    }

    @Test
    void unsoundHeadsAreRefusedBeforeTheApp() {
        AtomicBoolean ran = new AtomicBoolean();
        Handler app = request -> {
            ran.set(true);
            return Response.ok();
        };
        Map<Recorder, Integer> cases = new LinkedHashMap<>();
        cases.put(Recorder.post("/", "x", "Transfer-Encoding", "chunked"), 400);
        cases.put(new Recorder("POST", "/", "HTTP/1.0", "x", "Transfer-Encoding", "chunked"), 400);
        cases.put(Recorder.get("/", "Content-Length", "1", "Content-Length", "1"), 400);
        cases.put(Recorder.get("/", "Transfer-Encoding", "gzip, chunked"), 400);
        cases.put(Recorder.get("/", "Host", "other"), 400);
        cases.put(new Recorder("GET", "/", "HTTP/1.1", ""), 400);
        cases.put(new Recorder("GET", "/", "HTTP/1.2", "", "Host", "h"), 505);
        cases.put(new Recorder("GET", "/", "HTTX/1.1", "", "Host", "h"), 400);
        cases.put(Recorder.get("*"), 400);
        cases.put(Recorder.get("/", "Host", "h", "Host", "h"), 400);
        cases.put(Recorder.get("/", "X-Bad", "a\u0001b"), 400);
        cases.put(new Recorder("G(T", "/", "HTTP/1.1", "", "Host", "h"), 400);
        cases.put(Recorder.get("/a/..%2f..%2fetc"), 400);
        cases.put(Recorder.get("/a/..;x/b"), 400);
        cases.put(new Recorder("GET", "/", "HTTP/1.1", "", "Host", "-"), 400);
        cases.put(new Recorder("CONNECT", "example.test:443", "HTTP/1.1", "", "Host", "example.test:443"), 501);
        cases.put(Recorder.get("/", "Expect", "100-continue;a=b"), 417);
        cases.forEach((exchange, status) -> {
            serve(app, exchange);
            assertEquals(status, exchange.head.status(), exchange.method + " " + exchange.target + " " + exchange.calls);
            assertTrue(exchange.head.closes());
        });
        assertFalse(ran.get(), "the app never saw an unsound request");
    }

    @Test
    void anHttp2StreamIsFramedByItsFramesAndNeverClosesTheConnection() {
        Recorder streamed = new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h");
        streamed.http2 = true;
        serve(request -> Response.ok().withBody(Body.streamed(out -> out.write(new byte[] {'x'}))), streamed);
        assertTrue(streamed.head.http2());
        assertEquals(ResponseHead.Framing.CHUNKED, streamed.head.framing());
        assertFalse(streamed.fieldsSent().containsKey("Transfer-Encoding"));
        assertFalse(streamed.fieldsSent().containsKey("Connection"));

        Recorder failed = new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h");
        failed.http2 = true;
        serve(request -> Response.ok().withHeader("Connection", "close").withBody("boom"), failed);
        assertFalse(failed.head.closes(), "a field of the connection from the app is dropped on HTTP/2");
        assertFalse(failed.fieldsSent().containsKey("Connection"));

        Recorder upload = new Recorder("POST", "/", "HTTP/2.0", "hello", "Host", "h");
        upload.http2 = true;
        upload.bodyFollows = true;
        serve(request -> Response.ok().withBody(request.body().text()), upload);
        assertEquals(200, upload.head.status());
        assertTrue(upload.written.toString().endsWith("hello"), upload.written.toString());

        Map<Recorder, Integer> refused = new LinkedHashMap<>();
        refused.put(new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "Connection", "keep-alive"), 400);
        refused.put(new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "Transfer-Encoding", "chunked"), 400);
        refused.put(new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "TE", "gzip"), 400);
        refused.put(new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "Upgrade", "websocket"), 400);
        refused.put(new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "x(y)", "1"), 400);
        refused.put(new Recorder("GET", "/", "HTTP/2.0", ""), 400);
        refused.put(new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "x-a", " leading"), 400);
        refused.put(new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "x-a", "trailing\t"), 400);
        refused.put(new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "x-a", "a\rb"), 400);
        refused.put(new Recorder("GET", "/a b", "HTTP/2.0", "", "Host", "h"), 400);
        refused.put(new Recorder("GET", "/\u00e9", "HTTP/2.0", "", "Host", "h"), 400);
        refused.put(new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "Host", "other"), 400);
        refused.put(new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "Host", "h"), 400);
        refused.put(new Recorder("GET", "http://h/", "HTTP/2.0", "", "Host", "h"), 400);
        // as SETTINGS_MAX_HEADER_LIST_SIZE counts: 124 for :method, :path and :scheme, 43 for :authority and 37 for
        // Host, and x with 33 more than its value comes to one byte over the default 16 KiB (under it on HTTP/1.1)
        refused.put(new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "x", "v".repeat(16384 - 124 - 43 - 37 - 33 + 1)), 431);
        // each cookie counts as a field on HTTP/2, as a client may send them: Host and 100 cookies are 101 fields
        refused.put(new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "Cookie", String.join("; ",
                java.util.Collections.nCopies(100, "a=1"))), 431);
        // and in the list size: each of 10 cookies a=1 counts 6 + 3 + 32
        refused.put(new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "Cookie", String.join("; ",
                java.util.Collections.nCopies(10, "a=1")), "x", "v".repeat(16384 - 124 - 43 - 37 - 410 - 33 + 1)), 431);
        refused.put(new Recorder("GET", "/", "HTTP/1.1", "", "Host", "h"), 400);
        refused.forEach((exchange, status) -> {
            exchange.http2 = true; // the last one names another version
            serve(request -> Response.ok(), exchange);
            assertEquals(status, exchange.head.status(), exchange.target + " " + exchange.fields.stream().map(java.util.Arrays::toString).toList());
            assertTrue(exchange.head.http2());
        });
        for (String scheme : new String[] {null, "https", "ftp"}) {
            Recorder named = new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h");
            named.http2 = true;
            named.requestScheme = scheme;
            serve(request -> Response.ok(), named);
            assertEquals(400, named.head.status(), ":scheme " + scheme + " on a plain connection");
        }
        Recorder high = new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "x-a", "a\u00e9 b");
        high.http2 = true;
        serve(request -> Response.ok(), high);
        assertEquals(200, high.head.status(), "an octet above ASCII and an inner space");
        for (Recorder atLimit : java.util.List.of( // one byte, or one field, under the 431s above
                new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "x", "v".repeat(16384 - 124 - 43 - 37 - 33)),
                new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "Cookie", String.join("; ",
                        java.util.Collections.nCopies(99, "a=1"))),
                new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "Cookie", String.join("; ",
                        java.util.Collections.nCopies(10, "a=1")), "x", "v".repeat(16384 - 124 - 43 - 37 - 410 - 33)))) {
            atLimit.http2 = true;
            serve(request -> Response.ok(), atLimit);
            assertEquals(200, atLimit.head.status(), atLimit.fields.stream().map(java.util.Arrays::toString).toList().toString());
        }
        Recorder trailers = new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h", "TE", "trailers");
        trailers.http2 = true;
        serve(request -> Response.ok(), trailers);
        assertEquals(200, trailers.head.status());
        Recorder plain = new Recorder("GET", "/", "HTTP/2.0", "", "Host", "h");
        serve(request -> Response.ok(), plain);
        assertEquals(505, plain.head.status(), "HTTP/2.0 from a request line on HTTP/1");
    }

    @Test
    void anAbsoluteFormTargetAndHostMustAgree() {
        Recorder r = serve(request -> Response.text(request.header("Host").orElse("-") + " " + request.path()),
                new Recorder("GET", "http://example.test:8080/p?q", "HTTP/1.1", "", "Host", "example.test:8080"));
        assertEquals("example.test:8080 /p", r.written.toString());
        Recorder other = serve(request -> Response.ok(),
                new Recorder("GET", "http://example.test:8080/p?q", "HTTP/1.1", "", "Host", "other.test"));
        assertEquals(400, other.head.status(), "two hosts for one request");
        assertTrue(other.head.closes());
        AtomicBoolean ran = new AtomicBoolean();
        Recorder options = serve(request -> {
            ran.set(true);
            return Response.ok();
        }, new Recorder("OPTIONS", "*", "HTTP/1.1", "", "Host", "h"));
        assertEquals(200, options.head.status());
        assertFalse(ran.get(), "OPTIONS * is about the server: the engine answers it");
        assertFalse(options.head.closes());
    }

    @Test
    void anUnreadBodyIsDrainedToKeepTheConnectionUnlessItIsLong() {
        Recorder small = serve(request -> Response.text("ok"), Recorder.post("/", "unread"));
        assertEquals(List.of("body", "send 200 2"), small.calls);
        assertFalse(small.head.closes());
        String big = "x".repeat((int) ExchangeEngine.DRAIN_LIMIT + 1);
        Recorder large = serve(request -> Response.text("ok"), Recorder.post("/", big));
        assertTrue(large.head.closes());
        assertFalse(large.bodyOpened, "a body too long to drain is never read");
        Recorder echoed = serve(request -> Response.ok().withBody(Body.of(request.body().stream(), request.body().length())),
                Recorder.post("/", "echo"));
        assertEquals("echo", echoed.written.toString(), "a response that streams the request body gets all of it");
        assertFalse(echoed.head.closes());
    }

    @Test
    void headAnswersCarryTheLengthButNoBody() {
        Recorder bytes = serve(request -> Response.text("four"), new Recorder("HEAD", "/", "HTTP/1.1", "", "Host", "h"));
        assertEquals(List.of("send 200 0"), bytes.calls);
        assertEquals(4, bytes.head.contentLength());
        assertEquals(ResponseHead.Framing.NONE, bytes.head.framing());
        AtomicBoolean wrote = new AtomicBoolean();
        Recorder streamed = serve(request -> Response.ok().withBody(Body.streamed(out -> wrote.set(true))),
                new Recorder("HEAD", "/", "HTTP/1.1", "", "Host", "h"));
        assertEquals(-1, streamed.head.contentLength());
        assertFalse(wrote.get());
        Recorder noContent = serve(request -> Response.of(Status.NO_CONTENT).withHeader("Content-Length", "0"), Recorder.get("/"));
        assertFalse(noContent.fieldsSent().containsKey("Content-Length"));
    }

    @Test
    void onAnIoThreadAStreamedBodyIsHandedOff() {
        Recorder r = Recorder.get("/");
        r.ioThread = true;
        Engine engine = Engine.create(request -> Response.ok().withBody(Body.streamed(out -> out.write('z'))),
                ServerConfig.defaults());
        engine.serve(r);
        assertEquals(List.of("offload"), r.calls);
        assertEquals(1, engine.inFlight(), "the exchange is in flight until the offloaded part ends");
        r.offloaded.run();
        assertEquals(List.of("offload", "head 200", "write 1", "end"), r.calls);
        assertEquals(0, engine.inFlight());
    }

    @Test
    void theStopSequenceAnswers503WaitsForTheAppThenClosesInOrder() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Engine engine = Engine.create(request -> {
            started.countDown();
            release.await(5, TimeUnit.SECONDS);
            return Response.text("done");
        }, ServerConfig.defaults());
        Recorder held = Recorder.get("/");
        Thread worker = Thread.ofVirtual().start(() -> engine.serve(held));
        assertTrue(started.await(5, TimeUnit.SECONDS));
        List<String> order = new ArrayList<>();
        Thread stopper = Thread.ofVirtual().start(() -> engine.stop(Duration.ofSeconds(5),
                () -> order.add("stop accepting"), () -> order.add("close connections")));
        while (!engine.stopping()) {
            Thread.sleep(1);
        }
        Recorder late = Recorder.get("/");
        engine.serve(late);
        assertEquals(503, late.head.status());
        assertTrue(late.head.closes());
        assertTrue(order.isEmpty(), "nothing closes while a request is in flight");
        release.countDown();
        worker.join();
        stopper.join();
        assertEquals(List.of("stop accepting", "close connections"), order);
        assertEquals(200, held.head.status());
        assertTrue(held.head.closes(), "a response finishing during the stop closes its connection");
    }

    @Test
    void aBodyTheClientEndsEarlyIs400() {
        Recorder cut = new Recorder("POST", "/", "HTTP/1.1", "short", "Host", "h", "Content-Length", "100");
        serve(request -> Response.text(request.body().text()), cut);
        assertEquals(400, cut.head.status());
        assertTrue(cut.head.closes());
        Recorder options = new Recorder("OPTIONS", "*", "HTTP/1.1", "abc", "Host", "h", "Content-Length", "3");
        serve(request -> Response.ok(), options);
        assertTrue(options.head.closes(), "a body the engine never reads cannot stay on the connection");
    }

    @Test
    void aStalledOrDrippingBodyIs408() {
        Recorder stalled = new Recorder("POST", "/", "HTTP/1.1", "", "Host", "h", "Content-Length", "10") {
            @Override
            public InputStream body() {
                return new InputStream() {
                    @Override
                    public int read() throws IOException {
                        throw new java.net.SocketTimeoutException("no byte within the body read timeout");
                    }
                };
            }
        };
        serve(request -> Response.text(request.body().text()), stalled);
        assertEquals(408, stalled.head.status());
        assertTrue(stalled.head.closes());
        Recorder dripping = new Recorder("POST", "/", "HTTP/1.1", "", "Host", "h", "Content-Length", "1000") {
            @Override
            public InputStream body() {
                return new InputStream() {
                    @Override
                    public int read() throws IOException {
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            throw new java.io.InterruptedIOException();
                        }
                        return 'x';
                    }

                    @Override
                    public int read(byte[] buffer, int offset, int length) throws IOException {
                        buffer[offset] = (byte) read();
                        return 1;
                    }
                };
            }
        };
        serve(request -> {
            try {
                request.body().bytes();
            } catch (IOException | RuntimeException swallowed) {
                // the app's handling does not change the answer
            }
            return Response.ok();
        }, ServerConfig.builder().bodyReadTimeout(Duration.ofMillis(100)).build(), dripping);
        assertEquals(408, dripping.head.status(), "a byte every 20 ms is slower than 1 KiB/s once the timeout is over");
    }

    @Test
    void requestTextNeverStartsALogLine() throws Exception {
        // System.Logger's default goes to java.util.logging, which the core module does not read: the test
        // reaches it reflectively and reads what its standard formatter prints
        Class<?> loggerType = Class.forName("java.util.logging.Logger");
        Class<?> handlerType = Class.forName("java.util.logging.Handler");
        Object jul = loggerType.getMethod("getLogger", String.class).invoke(null, "dev.ferry");
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        Object formatter = Class.forName("java.util.logging.SimpleFormatter").getConstructor().newInstance();
        Object handler = Class.forName("java.util.logging.StreamHandler")
                .getConstructor(java.io.OutputStream.class, Class.forName("java.util.logging.Formatter"))
                .newInstance(printed, formatter);
        loggerType.getMethod("addHandler", handlerType).invoke(jul, handler);
        try {
            serve(request -> {
                throw new IllegalStateException("no such user " + request.query().first("u").orElse(""),
                        new IOException("nested\r\nFORGED"));
            }, Recorder.get("/?u=x%0d%0a2026-12-01%20SEVERE%20forged"));
        } finally {
            handlerType.getMethod("flush").invoke(handler);
            loggerType.getMethod("removeHandler", handlerType).invoke(jul, handler);
        }
        String log = printed.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("x\\x0D\\x0A2026-12-01 SEVERE forged"), log);
        for (String line : log.split("\\R")) {
            assertFalse(line.startsWith("2026-12-01") || line.startsWith("FORGED"), "a forged log line: " + line);
        }
    }

    @Test
    void thePortInUseMessageIsOneForEveryServer() {
        assertEquals("cannot listen on 127.0.0.1:8080: address already in use",
                Engine.cannotListen("127.0.0.1", 8080, new java.net.BindException("Address already in use")).getMessage());
        assertEquals("cannot listen on [::1]:80: address already in use", Engine.cannotListen("::1", 80,
                new IOException("wrapped", new java.net.BindException("Address already in use (Bind failed)"))).getMessage());
    }
}
