package dev.ferry.testkit;

import dev.ferry.Body;
import dev.ferry.Compression;
import dev.ferry.Cors;
import dev.ferry.Handler;
import dev.ferry.Headers;
import dev.ferry.Response;
import dev.ferry.Sse;
import dev.ferry.Status;
import dev.ferry.routing.Router;
import dev.ferry.server.ServerConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CORS, gzip compression and server-sent events, as core's {@link Cors}, {@link Compression} and
 * {@link Sse} deliver them: the same on every server, flushes and a client's departure included.
 */
abstract class WebFeaturesTests extends Tier {

    static final String ORIGIN = "https://app.example";
    /** The heartbeat of the tier's event streams: a client's departure is noticed within two of them. */
    static final Duration HEARTBEAT = Duration.ofMillis(250);
    static final String JSON = "[" + "{\"id\":12345,\"name\":\"a name that repeats\",\"tags\":[\"x\",\"y\"]},".repeat(400) + "{}]";

    final AtomicInteger reached = new AtomicInteger();
    final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    final Map<String, Long> closedAt = new ConcurrentHashMap<>();
    final Map<String, String> finished = new ConcurrentHashMap<>();

    WebFeaturesTests(ConformanceSuite suite) {
        super(suite);
    }

    @Override
    ServerConfig config() {
        return base().build();
    }

    @org.junit.jupiter.api.BeforeEach
    void resetCounts() {
        reached.set(0);
    }

    CountDownLatch gate(String id) {
        return gates.computeIfAbsent(id, key -> new CountDownLatch(1));
    }

    @Override
    Handler handler() {
        Router router = Router.builder()
                .get("/hello", request -> Response.text(ConformanceApp.HELLO))
                .get("/json", request -> {
                    reached.incrementAndGet();
                    return Response.json(JSON).withHeader("ETag", "\"j1\"").withHeader("X-Total", "400");
                })
                .put("/json", request -> Response.text("put"))
                .get("/range", request -> Response.of(Status.of(206), Headers.of("Content-Type", "text/plain",
                        "Content-Range", "bytes 0-1999/4000"), Body.of("r".repeat(2000))))
                .get("/flush/{id}", request -> {
                    String id = request.pathParam("id");
                    return Response.of(Status.OK, Headers.of("Content-Type", "text/plain; charset=utf-8"), Body.streamed(out -> {
                        out.write("first\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        await(gate(id));
                        out.write("second\n".getBytes(StandardCharsets.UTF_8));
                        finished.put(id, "done");
                    }));
                })
                .get("/events/{id}", request -> Sse.stream(request, HEARTBEAT, events -> {
                    String id = request.pathParam("id");
                    events.onClose(() -> closedAt.putIfAbsent(id, System.nanoTime()));
                    events.send(Sse.event().id("1").name("greeting").data("after " + events.lastEventId().orElse("none")));
                    await(gate(id + "-1"));
                    events.send(Sse.event().id("2").data("line one\nline two"));
                    await(gate(id + "-2"));
                    events.send(Sse.event().id("3").data("last"));
                    finished.put(id, "done");
                }))
                .get("/watch/{id}", request -> Sse.stream(request, HEARTBEAT, events -> {
                    String id = request.pathParam("id");
                    events.send("one");
                    events.send("two");
                    // waits for the client to go away: only the heartbeat can notice
                    if (events.awaitClose(Duration.ofSeconds(20))) {
                        closedAt.putIfAbsent(id, System.nanoTime());
                    }
                    try {
                        events.send("after");
                        finished.put(id, "sent after the close");
                    } catch (Sse.ClosedException e) {
                        finished.put(id, "closed");
                    }
                }))
                .build();
        Cors cors = Cors.builder().allowOrigins(ORIGIN).allowMethods("GET", "PUT").allowHeaders("Content-Type", "X-Token")
                .exposeHeaders("X-Total").allowCredentials(true).maxAge(Duration.ofMinutes(5)).build();
        return cors.then(Compression.gzip()).then(router);
    }

    private static void await(CountDownLatch gate) throws IOException {
        try {
            if (!gate.await(10, TimeUnit.SECONDS)) {
                throw new IOException("the test never released the gate");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        }
    }

    @Override
    void stopServer() {
        gates.values().forEach(CountDownLatch::countDown);
        super.stopServer();
    }

    static String gunzip(byte[] bytes) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    // --- CORS

    @Test
    void allowedPreflightIs204WithTheAllowHeadersWithoutReachingTheApp() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(request("OPTIONS", "/json", "Origin: " + ORIGIN,
                    "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: content-type,x-token")).read();
            assertEquals(204, response.status(), response.head());
            assertEquals(ORIGIN, response.header("Access-Control-Allow-Origin").orElse("missing"));
            assertEquals("GET, PUT", response.header("Access-Control-Allow-Methods").orElse("missing"));
            assertEquals("content-type, x-token", response.header("Access-Control-Allow-Headers").orElse("missing"));
            assertEquals("true", response.header("Access-Control-Allow-Credentials").orElse("missing"));
            assertEquals("300", response.header("Access-Control-Max-Age").orElse("missing"));
            assertTrue(response.header("Vary").orElse("").contains("Origin"), response.head());
            assertFalse(response.has("Allow"), "the router's own OPTIONS answer was not used: " + response.head());
            assertEquals(0, reached.get());
            assertReusable(client);
        }
    }

    @Test
    void refusedPreflightsGetNoCorsHeaders() throws IOException {
        String[][] cases = {
                {"Origin: https://evil.example", "Access-Control-Request-Method: GET"},
                {"Origin: " + ORIGIN, "Access-Control-Request-Method: DELETE"},
                {"Origin: " + ORIGIN, "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: x-other"},
                {"Origin: null", "Access-Control-Request-Method: GET"},
                {"Origin: https://app.example:8443", "Access-Control-Request-Method: GET"},
        };
        try (RawClient client = connect()) {
            for (String[] headers : cases) {
                RawResponse response = client.send(request("OPTIONS", "/json", headers)).read();
                assertEquals(403, response.status(), String.join(", ", headers) + ": " + response.head());
                for (Map.Entry<String, String> field : response.fields()) {
                    assertFalse(field.getKey().toLowerCase(java.util.Locale.ROOT).startsWith("access-control-"), response.head());
                }
            }
            assertEquals(0, reached.get());
            assertReusable(client);
        }
    }

    @Test
    void actualRequestsAndRouterErrorsCarryTheCorsHeaders() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(request("GET", "/json", "Origin: " + ORIGIN)).read();
            assertEquals(200, response.status());
            assertEquals(ORIGIN, response.header("Access-Control-Allow-Origin").orElse("missing"));
            assertEquals("true", response.header("Access-Control-Allow-Credentials").orElse("missing"));
            assertEquals("X-Total", response.header("Access-Control-Expose-Headers").orElse("missing"));
            assertTrue(response.header("Vary").orElse("").contains("Origin"), response.head());
            for (String method : new String[] {"GET /nowhere", "DELETE /json"}) {
                String[] parts = method.split(" ");
                RawResponse error = client.send(request(parts[0], parts[1], "Origin: " + ORIGIN)).read();
                assertTrue(error.status() == 404 || error.status() == 405, error.head());
                assertEquals(ORIGIN, error.header("Access-Control-Allow-Origin").orElse("missing"), error.head());
            }
            RawResponse other = client.send(request("GET", "/hello", "Origin: https://evil.example")).read();
            assertEquals(200, other.status());
            assertFalse(other.has("Access-Control-Allow-Origin"), other.head());
            assertEquals("Origin", other.header("Vary").orElse("missing"));
            RawResponse none = client.send(get("/hello")).read();
            assertEquals("Origin", none.header("Vary").orElse("missing"), "the answer depends on the origin: " + none.head());
        }
    }

    // --- compression

    @Test
    void gzipIsNegotiatedAndTheBodyRoundTrips() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(request("GET", "/json", "Accept-Encoding: gzip, deflate, br")).read();
            assertEquals(200, response.status());
            assertEquals("gzip", response.header("Content-Encoding").orElse("missing"), response.head());
            assertFalse(response.has("Content-Length"), response.head());
            assertTrue(response.header("Vary").orElse("").contains("Accept-Encoding"), response.head());
            assertEquals("W/\"j1\"", response.header("ETag").orElse("missing"));
            assertTrue(response.body().length < JSON.length() / 10, "compressed to " + response.body().length);
            assertEquals(JSON, gunzip(response.body()));

            RawResponse refused = client.send(request("GET", "/json", "Accept-Encoding: gzip;q=0, identity")).read();
            assertFalse(refused.has("Content-Encoding"), refused.head());
            assertEquals(Integer.toString(JSON.length()), refused.header("Content-Length").orElse("missing"));
            assertTrue(refused.header("Vary").orElse("").contains("Accept-Encoding"), refused.head());
            assertEquals("\"j1\"", refused.header("ETag").orElse("missing"));
            assertEquals(JSON, refused.text());

            RawResponse head = client.send(request("HEAD", "/json", "Accept-Encoding: gzip")).readHead();
            assertFalse(head.has("Content-Encoding"), head.head());
            assertEquals(Integer.toString(JSON.length()), head.header("Content-Length").orElse("missing"));

            RawResponse range = client.send(request("GET", "/range", "Accept-Encoding: gzip")).read();
            assertEquals(206, range.status());
            assertFalse(range.has("Content-Encoding"), range.head());
            assertEquals("2000", range.header("Content-Length").orElse("missing"));

            RawResponse small = client.send(request("GET", "/hello", "Accept-Encoding: gzip")).read();
            assertFalse(small.has("Content-Encoding"), small.head());
            assertEquals(ConformanceApp.HELLO, small.text());
            assertReusable(client);
        }
    }

    @Test
    void aFlushedPartOfACompressedBodyArrivesBeforeTheHandlerFinishes() throws IOException, InterruptedException {
        try (RawClient client = connect()) {
            client.send(request("GET", "/flush/z1", "Accept-Encoding: gzip"));
            RawResponse head = client.readHeaders();
            assertEquals("gzip", head.header("Content-Encoding").orElse("missing"), head.head());
            GzipReader reader = new GzipReader();
            while (!reader.text().contains("first\n")) {
                reader.add(client.readChunk());
            }
            assertEquals("first\n", reader.text());
            assertFalse(finished.containsKey("z1"), "the body's writer is still waiting");
            gate("z1").countDown();
            byte[] chunk;
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(reader.raw());
            while ((chunk = client.readChunk()).length > 0) {
                all.writeBytes(chunk);
            }
            assertEquals("first\nsecond\n", gunzip(all.toByteArray()));
            assertReusable(client);
        }
    }

    // --- server-sent events

    @Test
    void eventsArriveOneByOneAsSent() throws IOException {
        eventsArriveOneByOne("e1", false);
    }

    @Test
    void eventsArriveOneByOneThroughCompression() throws IOException {
        eventsArriveOneByOne("e2", true);
    }

    private void eventsArriveOneByOne(String id, boolean gzip) throws IOException {
        try (RawClient client = connect()) {
            client.send(gzip ? request("GET", "/events/" + id, "Last-Event-ID: 41", "Accept-Encoding: gzip")
                    : request("GET", "/events/" + id, "Last-Event-ID: 41"));
            RawResponse head = client.readHeaders();
            assertEquals(200, head.status());
            assertEquals("text/event-stream", head.header("Content-Type").orElse("missing"));
            assertEquals("no-cache", head.header("Cache-Control").orElse("missing"));
            assertEquals(RawResponse.Framing.CHUNKED, head.framing());
            assertEquals(gzip ? "gzip" : "missing", head.header("Content-Encoding").orElse("missing"));
            EventReader events = new EventReader(client, gzip);
            assertEquals("id: 1\nevent: greeting\ndata: after 41\n", events.next());
            assertFalse(finished.containsKey(id));
            gate(id + "-1").countDown();
            assertEquals("id: 2\ndata: line one\ndata: line two\n", events.next());
            assertFalse(finished.containsKey(id));
            gate(id + "-2").countDown();
            assertEquals("id: 3\ndata: last\n", events.next());
            assertTrue(events.ended(), "the stream ends with the producer");
            assertReusable(client);
        }
    }

    @Test
    void heartbeatCommentsFlowWhileTheProducerWaits() throws IOException {
        try (RawClient client = connect()) {
            client.send(request("GET", "/events/h1"));
            assertEquals(200, client.readHeaders().status());
            EventReader events = new EventReader(client, false);
            assertEquals("id: 1\nevent: greeting\ndata: after none\n", events.next());
            long start = System.nanoTime();
            int beats = 0;
            while (beats < 2) {
                String chunk = new String(client.readChunk(), StandardCharsets.UTF_8);
                assertEquals(":\n\n", chunk, "only heartbeats while the producer waits");
                beats++;
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis >= HEARTBEAT.toMillis() && millis <= HEARTBEAT.multipliedBy(2).plusSeconds(1).toMillis(),
                    "two heartbeats after " + millis + " ms");
            gate("h1-1").countDown();
            gate("h1-2").countDown();
            assertEquals("id: 2\ndata: line one\ndata: line two\n", events.next());
            assertEquals("id: 3\ndata: last\n", events.next());
            assertTrue(events.ended());
        }
    }

    @Test
    void theProducerLearnsPromptlyThatTheClientWentAway() throws IOException, InterruptedException {
        theClientGoesAway("w1", false);
    }

    @Test
    void theProducerLearnsThatTheClientWentAwayThroughCompression() throws IOException, InterruptedException {
        theClientGoesAway("w2", true);
    }

    private void theClientGoesAway(String id, boolean gzip) throws IOException, InterruptedException {
        long closed;
        try (RawClient client = connect()) {
            client.send(gzip ? request("GET", "/watch/" + id, "Accept-Encoding: gzip") : request("GET", "/watch/" + id));
            RawResponse head = client.readHeaders();
            assertEquals(200, head.status());
            EventReader events = new EventReader(client, gzip);
            assertEquals("data: one\n", events.next());
            assertEquals("data: two\n", events.next());
            closed = System.nanoTime();
        }
        Duration bound = HEARTBEAT.multipliedBy(2).plus(Duration.ofSeconds(1));
        assertTrue(await(() -> closedAt.containsKey(id), bound.plusSeconds(5)), "the producer never learned the client left");
        long millis = TimeUnit.NANOSECONDS.toMillis(closedAt.get(id) - closed);
        assertTrue(millis <= bound.toMillis(), "noticed " + millis + " ms after the client left; the bound is " + bound);
        assertTrue(await(() -> finished.containsKey(id), Duration.ofSeconds(5)));
        assertEquals("closed", finished.get(id), "a send after the client left fails");
    }

    /** Inflates a gzip stream as its parts arrive, without waiting for its end. */
    static final class GzipReader {
        private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
        private final ByteArrayOutputStream text = new ByteArrayOutputStream();
        private final Inflater inflater = new Inflater(true);
        private int header = 10;

        void add(byte[] bytes) throws IOException {
            raw.writeBytes(bytes);
            int from = 0;
            if (header > 0) {
                int skip = Math.min(header, bytes.length);
                header -= skip;
                from = skip;
            }
            if (inflater.finished()) {
                return;
            }
            inflater.setInput(bytes, from, bytes.length - from);
            byte[] out = new byte[8192];
            try {
                int n;
                while ((n = inflater.inflate(out)) > 0) {
                    text.write(out, 0, n);
                }
            } catch (DataFormatException e) {
                throw new IOException("not a deflate stream", e);
            }
        }

        String text() {
            return text.toString(StandardCharsets.UTF_8);
        }

        byte[] raw() {
            return raw.toByteArray();
        }
    }

    /** Reads an event stream chunk by chunk, skipping heartbeat comments. */
    static final class EventReader {
        private final RawClient client;
        private final GzipReader gzip;
        private final StringBuilder plain = new StringBuilder();
        private int consumed;
        private boolean ended;

        EventReader(RawClient client, boolean gzip) {
            this.client = client;
            this.gzip = gzip ? new GzipReader() : null;
        }

        /** Returns the next event's lines, each ending with LF, without the blank line that ends it. */
        String next() throws IOException {
            while (true) {
                String text = gzip != null ? gzip.text() : plain.toString();
                int end = text.indexOf("\n\n", consumed);
                if (end >= 0) {
                    String event = text.substring(consumed, end + 1);
                    consumed = end + 2;
                    if (event.startsWith(":")) {
                        continue; // a heartbeat
                    }
                    return event;
                }
                byte[] chunk = client.readChunk();
                if (chunk.length == 0) {
                    ended = true;
                    throw new IOException("the stream ended; left over: " + text.substring(consumed));
                }
                if (gzip != null) {
                    gzip.add(chunk);
                } else {
                    plain.append(new String(chunk, StandardCharsets.UTF_8));
                }
            }
        }

        /** Reads to the end of the body and returns whether only heartbeats came after the last event. */
        boolean ended() throws IOException {
            while (!ended) {
                byte[] chunk = client.readChunk();
                if (chunk.length == 0) {
                    ended = true;
                } else if (gzip != null) {
                    gzip.add(chunk);
                } else {
                    plain.append(new String(chunk, StandardCharsets.UTF_8));
                }
            }
            String text = gzip != null ? gzip.text() : plain.toString();
            return text.substring(consumed).replace(":\n\n", "").isEmpty();
        }
    }
}
