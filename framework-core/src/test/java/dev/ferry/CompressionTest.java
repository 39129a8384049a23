package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.routing.Router;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class CompressionTest {

    static final String BIG = "{\"items\":[" + "{\"id\":1,\"name\":\"a fairly repetitive item\"},".repeat(100) + "{}]}";

    private final Router router = Router.builder()
            .get("/json", request -> Response.json(BIG).withHeader("ETag", "\"v1\""))
            .get("/small", request -> Response.json("{\"ok\":true}"))
            .get("/png", request -> Response.of(Status.OK, Headers.of("Content-Type", "image/png"), Body.of(BIG)))
            .get("/svg", request -> Response.of(Status.OK, Headers.of("Content-Type", "image/svg+xml"), Body.of(BIG)))
            .get("/problem", request -> Response.of(Status.NOT_FOUND, Headers.of("Content-Type", "application/problem+json"), Body.of(BIG)))
            .get("/encoded", request -> Response.json(BIG).withHeader("Content-Encoding", "br"))
            .get("/range", request -> Response.of(Status.of(206), Headers.of("Content-Type", "text/plain",
                    "Content-Range", "bytes 0-99/5000"), Body.of(BIG.substring(0, 100))))
            .get("/no-transform", request -> Response.json(BIG).withHeader("Cache-Control", "public, no-transform"))
            .get("/stream", request -> Response.of(Status.OK, Headers.of("Content-Type", "text/plain"),
                    Body.of(new ByteArrayInputStream("tiny".getBytes(StandardCharsets.UTF_8)))))
            .get("/streamed", request -> Response.of(Status.OK, Headers.of("Content-Type", "text/plain; charset=utf-8"),
                    Body.streamed(out -> {
                        out.write("one\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        out.write("two\n".getBytes(StandardCharsets.UTF_8));
                        out.close();
                    })))
            .build();
    private final TestClient client = TestClient.of(Compression.gzip().then(router));

    private Response get(String target, String... headers) {
        return client.send(Request.builder().method(Method.GET).target(target).headers(Headers.of(headers)));
    }

    static String gunzip(byte[] bytes) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void compressibleBodiesAreGzippedForClientsThatAcceptIt() throws IOException {
        Response response = get("/json", "Accept-Encoding", "gzip, deflate, br");
        assertEquals(200, response.status().code());
        assertEquals("gzip", response.headers().firstOrNull("Content-Encoding"));
        assertEquals("Accept-Encoding", response.headers().firstOrNull("Vary"));
        assertEquals("W/\"v1\"", response.headers().firstOrNull("ETag"));
        byte[] body = response.body().bytes();
        assertTrue(body.length < BIG.length() / 4, "compressed to " + body.length);
        assertEquals(BIG, gunzip(body));
    }

    @Test
    void theRequestDecidesWithQValues() {
        for (String refuses : new String[] {"gzip;q=0", "identity", "", "br, deflate", "*;q=0", "gzip;q=0.5, identity",
                "gzip;q=1.5", "gzip;q=abc", "gzip;q=0.0000", "x-gzip;q=0, *", "gzip;q=0.4, identity;q=0.5"}) {
            Response response = get("/json", "Accept-Encoding", refuses);
            assertNull(response.headers().firstOrNull("Content-Encoding"), refuses);
            assertEquals("Accept-Encoding", response.headers().firstOrNull("Vary"), refuses);
            assertEquals("\"v1\"", response.headers().firstOrNull("ETag"));
        }
        for (String accepts : new String[] {"gzip", "GZIP", "*", "x-gzip", "gzip;q=0.001", "identity;q=0.5, gzip;q=0.8",
                "br;q=1, gzip;q=0.5, *;q=0", "gzip; Q=1.000", "*;q=0.1, identity;q=0", "deflate, gzip ;q=1.0",
                "gzip;q=0.5, *", "identity, gzip"}) {
            assertEquals("gzip", get("/json", "Accept-Encoding", accepts).headers().firstOrNull("Content-Encoding"), accepts);
        }
        Response none = get("/json");
        assertNull(none.headers().firstOrNull("Content-Encoding"));
        assertEquals("Accept-Encoding", none.headers().firstOrNull("Vary"));
    }

    @Test
    void qValuesFollowTheGrammar() {
        assertEquals(1000, Compression.quality("q=1"));
        assertEquals(500, Compression.quality("q=0.5"));
        assertEquals(1, Compression.quality(" q=0.001"));
        assertEquals(0, Compression.quality("q=0."));
        assertEquals(1000, Compression.quality("level=3"));
        assertEquals(-1, Compression.quality("q=1.001"));
        assertEquals(-1, Compression.quality("q=.5"));
        assertEquals(-1, Compression.quality("q=0.5000"));
        assertEquals(-1, Compression.quality("q="));
        assertTrue(Compression.acceptsGzip(List.of("deflate", "gzip;q=0.2")));
        assertFalse(Compression.acceptsGzip(List.of()));
    }

    @Test
    void whatTheResponseRulesOutIsNeitherCompressedNorVaried() {
        for (String target : new String[] {"/small", "/png", "/encoded", "/range", "/no-transform"}) {
            Response response = get(target, "Accept-Encoding", "gzip");
            assertNull(response.headers().firstOrNull("Vary"), target);
            assertFalse("gzip".equals(response.headers().firstOrNull("Content-Encoding")), target);
        }
        assertEquals("br", get("/encoded", "Accept-Encoding", "gzip").headers().firstOrNull("Content-Encoding"));
    }

    @Test
    void otherStatusesAndSuffixTypesAreCompressed() throws IOException {
        Response problem = get("/problem", "Accept-Encoding", "gzip");
        assertEquals(404, problem.status().code());
        assertEquals("gzip", problem.headers().firstOrNull("Content-Encoding"));
        assertEquals(BIG, gunzip(problem.body().bytes()));
        assertEquals("gzip", get("/svg", "Accept-Encoding", "gzip").headers().firstOrNull("Content-Encoding"));
    }

    @Test
    void bodiesOfUnknownLengthAreCompressedAndFlushesPassThrough() throws IOException {
        Response tiny = get("/stream", "Accept-Encoding", "gzip");
        assertEquals("gzip", tiny.headers().firstOrNull("Content-Encoding"));
        assertEquals("tiny", gunzip(tiny.body().bytes()));
        Response streamed = get("/streamed", "Accept-Encoding", "gzip");
        assertEquals("one\ntwo\n", gunzip(streamed.body().bytes()));
    }

    @Test
    void headIsNotCompressedButVaries() {
        Response head = client.send(Request.builder().method(Method.HEAD).target("/json").headers(Headers.of("Accept-Encoding", "gzip")));
        assertNull(head.headers().firstOrNull("Content-Encoding"));
        assertEquals("Accept-Encoding", head.headers().firstOrNull("Vary"));
    }

    @Test
    void aFlushEmitsEverythingWrittenSoFar() throws IOException {
        dev.ferry.internal.Deflaters pool = new dev.ferry.internal.Deflaters(6, 2);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        dev.ferry.internal.GzipOutput gzip = new dev.ferry.internal.GzipOutput(sink, pool);
        gzip.write("data: first\n\n".getBytes(StandardCharsets.UTF_8));
        gzip.flush();
        // a sync-flushed prefix inflates to all that was written, without the end of the stream
        java.util.zip.Inflater inflater = new java.util.zip.Inflater(true);
        byte[] prefix = sink.toByteArray();
        inflater.setInput(prefix, 10, prefix.length - 10);
        byte[] out = new byte[100];
        int n;
        try {
            n = inflater.inflate(out);
        } catch (java.util.zip.DataFormatException e) {
            throw new AssertionError(e);
        }
        assertEquals("data: first\n\n", new String(out, 0, n, StandardCharsets.UTF_8));
        gzip.write("data: second\n\n".getBytes(StandardCharsets.UTF_8));
        gzip.finish();
        assertEquals("data: first\n\ndata: second\n\n", gunzip(sink.toByteArray()));
        assertEquals(1, pool.idle(), "the deflater went back to the pool");
    }

    @Test
    void thePoolIsBoundedAndLargeBodiesRoundTrip() throws IOException {
        dev.ferry.internal.Deflaters pool = new dev.ferry.internal.Deflaters(1, 1);
        byte[] random = new byte[300_000];
        new java.util.Random(7).nextBytes(random);
        for (int i = 0; i < 3; i++) {
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            dev.ferry.internal.GzipOutput gzip = new dev.ferry.internal.GzipOutput(sink, pool);
            gzip.write(random, 0, 100);
            gzip.write(random, 100, random.length - 100);
            gzip.finish();
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(sink.toByteArray()))) {
                assertArrayEquals(random, in.readAllBytes());
            }
        }
        assertEquals(1, pool.idle());
    }

    @Test
    void closingEndsThePooledDeflatersAndLaterOnesAreNotKept() throws IOException {
        dev.ferry.internal.Deflaters pool = new dev.ferry.internal.Deflaters(6, 4);
        dev.ferry.internal.Deflaters.Lease lease = pool.take();
        pool.give(lease);
        assertEquals(1, pool.idle());
        pool.close();
        assertEquals(0, pool.idle());
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        dev.ferry.internal.GzipOutput gzip = new dev.ferry.internal.GzipOutput(sink, pool);
        gzip.write("still works".getBytes(StandardCharsets.UTF_8));
        gzip.finish();
        assertEquals("still works", gunzip(sink.toByteArray()));
        assertEquals(0, pool.idle());
        Compression filter = Compression.gzip();
        filter.close();
        Response response = TestClient.of(filter.then(router)).send(Request.builder().method(Method.GET).target("/json")
                .headers(Headers.of("Accept-Encoding", "gzip")));
        assertEquals(BIG, gunzip(response.body().bytes()));
    }

    @Test
    void builderChecksItsSettings() {
        assertThrows(IllegalArgumentException.class, () -> Compression.builder().level(0));
        assertThrows(IllegalArgumentException.class, () -> Compression.builder().types("text"));
        assertThrows(IllegalArgumentException.class, () -> Compression.builder().types("*/json"));
        TestClient onlyCsv = TestClient.of(Compression.builder().types("text/csv").threshold(0).build()
                .then((Handler) request -> Response.of(Status.OK, Headers.of("Content-Type", "Text/CSV; charset=utf-8"), Body.of("a,b"))));
        Response response = onlyCsv.send(Request.builder().method(Method.GET).target("/").headers(Headers.of("Accept-Encoding", "gzip")));
        assertEquals("gzip", response.headers().firstOrNull("Content-Encoding"));
    }
}
