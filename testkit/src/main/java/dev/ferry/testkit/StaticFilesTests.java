package dev.ferry.testkit;

import dev.ferry.Handler;
import dev.ferry.Response;
import dev.ferry.StaticFiles;
import dev.ferry.routing.Router;
import dev.ferry.server.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Static files ({@link StaticFiles}) served the same way by every server, through each one's zero-copy
 * file path: validators and conditional requests, single ranges from any offset, precompressed
 * siblings, directories, methods, and every way out of the root refused. The tier serves a temporary
 * directory it creates under {@code /static}.
 */
abstract class StaticFilesTests extends Tier {

    static final Instant MODIFIED = Instant.parse("2025-03-04T05:06:07Z");
    static final String LAST_MODIFIED = "Tue, 04 Mar 2025 05:06:07 GMT";
    static final String HELLO = "Hello, static world!\n";
    static final String SECRET = "outside the root: never served";
    /** Larger than any server's socket buffer, so ranges go through the file path of each server. */
    static final int BIG = 3 * 1024 * 1024 + 17;

    Path dir;
    byte[] big;

    StaticFilesTests(ConformanceSuite suite) {
        super(suite);
    }

    @Override
    ServerConfig config() {
        return base().build();
    }

    @Override
    Handler handler() {
        try {
            dir = Files.createTempDirectory("ferry-static-");
            Path root = Files.createDirectories(dir.resolve("root"));
            write(root.resolve("hello.txt"), HELLO.getBytes(StandardCharsets.UTF_8));
            big = new byte[BIG];
            for (int i = 0; i < BIG; i++) {
                big[i] = (byte) (i * 31 + (i >>> 11));
            }
            write(root.resolve("big.bin"), big);
            write(root.resolve("app.js"), "console.log('plain')".getBytes(StandardCharsets.UTF_8));
            write(root.resolve("app.js.gz"), "gzip bytes".getBytes(StandardCharsets.UTF_8));
            write(root.resolve("app.js.br"), "brotli bytes".getBytes(StandardCharsets.UTF_8));
            write(root.resolve("index.html"), "<p>root</p>".getBytes(StandardCharsets.UTF_8));
            Files.createDirectories(root.resolve("docs"));
            write(root.resolve("docs/index.html"), "<p>docs</p>".getBytes(StandardCharsets.UTF_8));
            write(root.resolve(".hidden"), SECRET.getBytes(StandardCharsets.UTF_8));
            write(dir.resolve("outside.txt"), SECRET.getBytes(StandardCharsets.UTF_8));
            Files.createSymbolicLink(root.resolve("escape.txt"), dir.resolve("outside.txt"));
            Files.createSymbolicLink(root.resolve("parent"), dir);
            return Router.builder()
                    .get("/ping", request -> Response.text("pong"))
                    .mount("/static", StaticFiles.directory(root))
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, byte[] content) throws IOException {
        Files.write(file, content);
        Files.setLastModifiedTime(file, FileTime.from(MODIFIED));
    }

    @AfterAll
    void deleteFiles() throws IOException {
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    static void assertPingWorks(RawClient client) throws IOException {
        RawResponse again = client.send(get("/ping")).read();
        assertEquals(200, again.status(), "a second request on the same connection");
        assertEquals("pong", again.text());
    }

    // --- whole files

    @Test
    void getSendsTheFileWithValidators() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(get("/static/hello.txt")).read();
            assertEquals(200, response.status(), response.head());
            assertEquals(HELLO, response.text());
            assertEquals(RawResponse.Framing.CONTENT_LENGTH, response.framing());
            assertEquals("text/plain; charset=utf-8", response.header("Content-Type").orElse(""));
            assertEquals(LAST_MODIFIED, response.header("Last-Modified").orElse(""));
            String etag = response.header("ETag").orElse("");
            assertTrue(etag.matches("\"[0-9a-f]+-[0-9a-f]+\""), "a strong ETag: " + etag);
            assertEquals("no-cache", response.header("Cache-Control").orElse(""));
            assertEquals("bytes", response.header("Accept-Ranges").orElse(""));
            assertPingWorks(client);
        }
    }

    @Test
    void aLargeFileArrivesWhole() throws IOException {
        try (RawClient client = connect()) {
            RawResponse response = client.send(get("/static/big.bin")).read();
            assertEquals(200, response.status());
            assertEquals(List.of(Integer.toString(BIG)), response.headers("Content-Length"));
            assertArrayEquals(big, response.body());
            assertPingWorks(client);
        }
    }

    @Test
    void headSendsTheSameHeadersWithoutABody() throws IOException {
        try (RawClient client = connect()) {
            RawResponse get = client.send(get("/static/big.bin")).read();
            RawResponse head = client.send(request("HEAD", "/static/big.bin")).readHead();
            assertEquals(200, head.status());
            for (String name : new String[] {"Content-Length", "Content-Type", "ETag", "Last-Modified", "Cache-Control", "Accept-Ranges"}) {
                assertEquals(get.headers(name), head.headers(name), name + " of HEAD: " + head.head());
            }
            assertPingWorks(client);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH"})
    void otherMethodsAre405WithAllow(String method) throws IOException {
        RawResponse response = exchange(request(method, "/static/hello.txt", "Content-Length: 0"));
        assertEquals(405, response.status());
        assertEquals("GET, HEAD", response.header("Allow").orElse(""));
    }

    // --- conditional requests

    @Test
    void ifNoneMatchAnswers304() throws IOException {
        try (RawClient client = connect()) {
            String etag = client.send(get("/static/hello.txt")).read().header("ETag").orElseThrow();
            for (String condition : new String[] {etag, "\"nope\", " + etag, "W/" + etag, "*", "\"a\",W/" + etag + ",\"b\""}) {
                RawResponse response = client.send(request("GET", "/static/hello.txt", "If-None-Match: " + condition)).read();
                assertEquals(304, response.status(), condition + ": " + response.head());
                assertEquals(etag, response.header("ETag").orElse(""), "a 304 carries the ETag");
                assertEquals("no-cache", response.header("Cache-Control").orElse(""), "a 304 carries Cache-Control");
                assertEquals(0, response.body().length);
            }
            RawResponse changed = client.send(request("GET", "/static/hello.txt", "If-None-Match: \"other\"")).read();
            assertEquals(200, changed.status());
            assertEquals(HELLO, changed.text());
            assertPingWorks(client);
        }
    }

    @Test
    void ifModifiedSinceAnswers304OnlyWithoutIfNoneMatch() throws IOException {
        assertEquals(304, exchange(request("GET", "/static/hello.txt", "If-Modified-Since: " + LAST_MODIFIED)).status());
        assertEquals(304, exchange(request("GET", "/static/hello.txt", "If-Modified-Since: Tuesday, 04-Mar-25 05:06:07 GMT")).status());
        assertEquals(200, exchange(request("GET", "/static/hello.txt", "If-Modified-Since: Tue, 04 Mar 2025 05:06:06 GMT")).status());
        assertEquals(200, exchange(request("GET", "/static/hello.txt", "If-Modified-Since: garbage")).status());
        assertEquals(200, exchange(request("GET", "/static/hello.txt", "If-None-Match: \"other\"",
                "If-Modified-Since: " + LAST_MODIFIED)).status(), "If-None-Match takes precedence");
    }

    @Test
    void ifMatchFailingIs412() throws IOException {
        assertEquals(412, exchange(request("GET", "/static/hello.txt", "If-Match: \"other\"")).status());
        assertEquals(200, exchange(request("GET", "/static/hello.txt", "If-Match: *")).status());
    }

    // --- ranges

    @Test
    void singleRangesAre206FromAnyOffset() throws IOException {
        try (RawClient client = connect()) {
            long[][] cases = {{1_000_000, 2_500_000}, {BIG - 5, BIG - 1}, {0, 0}};
            for (long[] range : cases) {
                RawResponse response = client.send(request("GET", "/static/big.bin", "Range: bytes=" + range[0] + "-" + range[1])).read();
                assertEquals(206, response.status(), response.head());
                assertEquals("bytes " + range[0] + "-" + range[1] + "/" + BIG, response.header("Content-Range").orElse(""));
                assertEquals(Long.toString(range[1] - range[0] + 1), response.header("Content-Length").orElse(""));
                assertArrayEquals(Arrays.copyOfRange(big, (int) range[0], (int) range[1] + 1), response.body());
            }
            RawResponse open = client.send(request("GET", "/static/big.bin", "Range: bytes=3000000-")).read();
            assertEquals("bytes 3000000-" + (BIG - 1) + "/" + BIG, open.header("Content-Range").orElse(""));
            assertArrayEquals(Arrays.copyOfRange(big, 3_000_000, BIG), open.body());
            RawResponse suffix = client.send(request("GET", "/static/big.bin", "Range: bytes=-100")).read();
            assertEquals("bytes " + (BIG - 100) + "-" + (BIG - 1) + "/" + BIG, suffix.header("Content-Range").orElse(""));
            assertArrayEquals(Arrays.copyOfRange(big, BIG - 100, BIG), suffix.body());
            assertPingWorks(client);
        }
    }

    @Test
    void headIgnoresRange() throws IOException {
        try (RawClient client = connect()) {
            RawResponse head = client.send(request("HEAD", "/static/big.bin", "Range: bytes=0-9")).readHead();
            assertEquals(200, head.status(), "ranges are defined for GET only: " + head.head());
            assertEquals(Integer.toString(BIG), head.header("Content-Length").orElse(""));
            assertFalse(head.has("Content-Range"));
            assertPingWorks(client);
        }
    }

    @Test
    void unsatisfiableRangeIs416() throws IOException {
        try (RawClient client = connect()) {
            for (String range : new String[] {"bytes=" + BIG + "-", "bytes=" + (BIG + 10) + "-" + (BIG + 20), "bytes=-0"}) {
                RawResponse response = client.send(request("GET", "/static/big.bin", "Range: " + range)).read();
                assertEquals(416, response.status(), range);
                assertEquals("bytes */" + BIG, response.header("Content-Range").orElse(""));
            }
            assertPingWorks(client);
        }
    }

    @Test
    void severalOrMalformedRangesSendTheWholeFileOnce() throws IOException {
        String many = "bytes=" + String.join(",", java.util.Collections.nCopies(200, "0-" + (BIG - 1)));
        try (RawClient client = connect()) {
            for (String range : new String[] {many, "bytes=0-0,5-5", "bytes=5-1", "bytes=x-y", "lines=1-2"}) {
                RawResponse response = client.send(request("GET", "/static/big.bin", "Range: " + range)).read();
                assertEquals(200, response.status(), range.length() > 40 ? "200 overlapping ranges" : range);
                assertEquals(Integer.toString(BIG), response.header("Content-Length").orElse(""));
                assertFalse(response.has("Content-Range"));
                assertEquals(BIG, response.body().length);
            }
            assertPingWorks(client);
        }
    }

    @Test
    void ifRangeAppliesTheRangeOnlyWhenTheValidatorMatches() throws IOException {
        try (RawClient client = connect()) {
            String etag = client.send(request("HEAD", "/static/hello.txt")).readHead().header("ETag").orElseThrow();
            assertEquals(206, client.send(request("GET", "/static/hello.txt", "Range: bytes=0-4", "If-Range: " + etag)).read().status());
            assertEquals(206, client.send(request("GET", "/static/hello.txt", "Range: bytes=0-4", "If-Range: " + LAST_MODIFIED)).read().status());
            RawResponse stale = client.send(request("GET", "/static/hello.txt", "Range: bytes=0-4", "If-Range: \"stale\"")).read();
            assertEquals(200, stale.status());
            assertEquals(HELLO, stale.text());
            assertEquals(200, client.send(request("GET", "/static/hello.txt", "Range: bytes=0-4", "If-Range: W/" + etag)).read().status(),
                    "If-Range compares strongly");
            assertEquals(200, client.send(request("GET", "/static/hello.txt", "Range: bytes=0-4",
                    "If-Range: Tue, 04 Mar 2025 05:06:08 GMT")).read().status());
            assertPingWorks(client);
        }
    }

    // --- precompressed siblings

    @Test
    void precompressedSiblingsFollowAcceptEncoding() throws IOException {
        try (RawClient client = connect()) {
            RawResponse br = client.send(request("GET", "/static/app.js", "Accept-Encoding: gzip, deflate, br")).read();
            assertEquals("brotli bytes", br.text());
            assertEquals("br", br.header("Content-Encoding").orElse(""));
            assertEquals("Accept-Encoding", br.header("Vary").orElse(""));
            assertEquals("text/javascript; charset=utf-8", br.header("Content-Type").orElse(""));
            RawResponse gzip = client.send(request("GET", "/static/app.js", "Accept-Encoding: br;q=0, gzip")).read();
            assertEquals("gzip bytes", gzip.text());
            assertEquals("gzip", gzip.header("Content-Encoding").orElse(""));
            RawResponse weighted = client.send(request("GET", "/static/app.js", "Accept-Encoding: br;q=0.2, gzip;q=0.8")).read();
            assertEquals("gzip bytes", weighted.text());
            RawResponse plain = client.send(request("GET", "/static/app.js", "Accept-Encoding: gzip;q=0, br;q=0")).read();
            assertEquals("console.log('plain')", plain.text());
            assertFalse(plain.has("Content-Encoding"));
            assertEquals("Accept-Encoding", plain.header("Vary").orElse(""));
            RawResponse none = client.send(get("/static/app.js")).read();
            assertEquals("console.log('plain')", none.text());
            List<String> tags = List.of(br.header("ETag").orElseThrow(), gzip.header("ETag").orElseThrow(), plain.header("ETag").orElseThrow());
            assertEquals(3, tags.stream().distinct().count(), "one ETag per encoding: " + tags);
            RawResponse revalidated = client.send(request("GET", "/static/app.js", "Accept-Encoding: br",
                    "If-None-Match: " + tags.get(1))).read();
            assertEquals(200, revalidated.status(), "the gzip ETag does not validate the br representation");
            assertPingWorks(client);
        }
    }

    // --- directories

    @Test
    void directoriesRedirectToTheirSlashThenServeIndex() throws IOException {
        RawResponse redirect = exchange(get("/static/docs?v=1"));
        assertEquals(301, redirect.status());
        assertEquals("/static/docs/?v=1", redirect.header("Location").orElse(""));
        RawResponse index = exchange(get("/static/docs/"));
        assertEquals(200, index.status());
        assertEquals("<p>docs</p>", index.text());
        assertEquals("text/html; charset=utf-8", index.header("Content-Type").orElse(""));
        assertEquals("/static/", exchange(get("/static")).header("Location").orElse(""));
        assertEquals("<p>root</p>", exchange(get("/static/")).text());
        assertEquals(404, exchange(get("/static/hello.txt/")).status());
    }

    // --- the root is a wall

    @ParameterizedTest
    @ValueSource(strings = {"/static/escape.txt", "/static/parent/outside.txt", "/static/.hidden", "/static/missing.txt",
        "/static/..%2foutside.txt", "/static/%2e%2e/outside.txt", "/static/%2e%2e%2foutside.txt", "/static/..%5coutside.txt",
        "/static/%2E%2E%5Coutside.txt", "/static/docs%2f..%2f..%2foutside.txt", "/static/hello.txt%00", "/static/%00",
        "/static//etc/passwd", "/static/%2fetc%2fpasswd", "/static/..;/outside.txt", "/static/docs/../../outside.txt",
        "/static/parent%2foutside.txt", "/static/%2e%2fhello.txt"})
    void nothingOutsideTheRootIsServed(String target) throws IOException {
        RawResponse response;
        try (RawClient client = connect()) {
            response = client.send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n").readFinal();
        }
        assertTrue(response.status() == 404 || response.status() == 400, target + " answered " + response.head());
        assertFalse(response.text().contains(SECRET), "the secret leaked");
    }
}
