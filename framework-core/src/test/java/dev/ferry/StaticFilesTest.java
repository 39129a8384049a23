package dev.ferry;

import dev.ferry.routing.Router;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StaticFilesTest {

    @TempDir
    static Path dir;
    static Path root;
    static final Instant MODIFIED = Instant.parse("2024-05-01T10:00:00.250Z");

    @BeforeAll
    static void files() throws IOException {
        root = Files.createDirectories(dir.resolve("root"));
        write(root.resolve("hello.txt"), "Hello, static!");
        write(root.resolve("app.js"), "console.log(1)");
        write(root.resolve("app.js.gz"), "GZ");
        write(root.resolve("app.js.br"), "BR");
        write(root.resolve("index.html"), "<h1>root</h1>");
        Files.createDirectories(root.resolve("docs"));
        write(root.resolve("docs/index.html"), "<h1>docs</h1>");
        Files.createDirectories(root.resolve("empty"));
        write(root.resolve(".env"), "SECRET=1");
        write(root.resolve("data.unknownext"), "x");
        write(dir.resolve("outside.txt"), "outside");
        Files.createSymbolicLink(root.resolve("escape.txt"), dir.resolve("outside.txt"));
        Files.createSymbolicLink(root.resolve("inside.txt"), root.resolve("hello.txt"));
        Files.createSymbolicLink(root.resolve("up"), dir);
    }

    static void write(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(MODIFIED));
    }

    static TestClient client(StaticFiles files) {
        return TestClient.of(Router.builder().mount("/s", files).build());
    }

    static Response get(TestClient client, String target, String... headers) {
        return client.send(Request.builder().method(Method.GET).target(target).headers(Headers.of(headers)));
    }

    @Test
    void servesAFileWithValidatorsTypeAndCachePolicy() throws IOException {
        Response response = get(client(StaticFiles.directory(root)), "/s/hello.txt");
        assertEquals(Status.OK, response.status());
        assertEquals("Hello, static!", response.body().text());
        assertEquals("text/plain; charset=utf-8", response.headers().firstOrNull("Content-Type"));
        assertEquals("\"e-" + Long.toHexString(MODIFIED.toEpochMilli()) + "\"", response.headers().firstOrNull("ETag"));
        assertEquals("Wed, 01 May 2024 10:00:00 GMT", response.headers().firstOrNull("Last-Modified"));
        assertEquals("no-cache", response.headers().firstOrNull("Cache-Control"));
        assertEquals("bytes", response.headers().firstOrNull("Accept-Ranges"));
        assertFalse(response.headers().contains("Vary"), "no sibling, nothing varies");
    }

    @Test
    void contentTypesByExtension() {
        TestClient client = client(StaticFiles.builder().directory(root).contentType("unknownext", "text/x-demo").build());
        assertEquals("text/javascript; charset=utf-8", get(client, "/s/app.js").headers().firstOrNull("Content-Type"));
        assertEquals("text/html; charset=utf-8", get(client, "/s/docs/").headers().firstOrNull("Content-Type"));
        assertEquals("text/x-demo", get(client, "/s/data.unknownext").headers().firstOrNull("Content-Type"));
        assertEquals("application/octet-stream",
                get(client(StaticFiles.directory(root)), "/s/data.unknownext").headers().firstOrNull("Content-Type"));
    }

    @Test
    void cacheControlPolicyPerPath() {
        StaticFiles files = StaticFiles.builder().directory(root)
                .cacheControl(path -> path.endsWith(".js") ? StaticFiles.IMMUTABLE : "no-cache").build();
        assertEquals(StaticFiles.IMMUTABLE, get(client(files), "/s/app.js").headers().firstOrNull("Cache-Control"));
        assertEquals("no-cache", get(client(files), "/s/hello.txt").headers().firstOrNull("Cache-Control"));
        assertFalse(get(client(StaticFiles.builder().directory(root).cacheControl((String) null).build()), "/s/hello.txt")
                .headers().contains("Cache-Control"));
    }

    @Test
    void conditionalRequests() {
        TestClient client = client(StaticFiles.directory(root));
        String etag = get(client, "/s/hello.txt").headers().firstOrNull("ETag");
        Response notModified = get(client, "/s/hello.txt", "If-None-Match", "\"other\", W/" + etag);
        assertEquals(Status.NOT_MODIFIED, notModified.status());
        assertEquals(etag, notModified.headers().firstOrNull("ETag"));
        assertEquals("no-cache", notModified.headers().firstOrNull("Cache-Control"));
        assertEquals(Status.NOT_MODIFIED, get(client, "/s/hello.txt", "If-None-Match", "*").status());
        assertEquals(Status.OK, get(client, "/s/hello.txt", "If-None-Match", "\"other\"").status());
        assertEquals(Status.NOT_MODIFIED, get(client, "/s/hello.txt", "If-Modified-Since", "Wed, 01 May 2024 10:00:00 GMT").status());
        assertEquals(Status.OK, get(client, "/s/hello.txt", "If-Modified-Since", "Wed, 01 May 2024 09:59:59 GMT").status());
        assertEquals(Status.OK, get(client, "/s/hello.txt", "If-Modified-Since", "not a date").status());
        assertEquals(Status.OK, get(client, "/s/hello.txt", "If-None-Match", "\"other\"",
                "If-Modified-Since", "Wed, 01 May 2030 10:00:00 GMT").status(), "If-Modified-Since is ignored beside If-None-Match");
        assertEquals(Status.PRECONDITION_FAILED, get(client, "/s/hello.txt", "If-Match", "\"other\"").status());
        assertEquals(Status.OK, get(client, "/s/hello.txt", "If-Match", etag).status());
        assertEquals(Status.PRECONDITION_FAILED,
                get(client, "/s/hello.txt", "If-Unmodified-Since", "Wed, 01 May 2024 09:00:00 GMT").status());
    }

    @Test
    void rangesAndIfRange() throws IOException {
        TestClient client = client(StaticFiles.directory(root));
        Response part = get(client, "/s/hello.txt", "Range", "bytes=7-12");
        assertEquals(Status.PARTIAL_CONTENT, part.status());
        assertEquals("static", part.body().text());
        assertEquals("bytes 7-12/14", part.headers().firstOrNull("Content-Range"));
        assertEquals("c!", get(client, "/s/hello.txt", "Range", "bytes=-2").body().text());
        assertEquals("!", get(client, "/s/hello.txt", "Range", "bytes=13-").body().text());
        Response unsatisfiable = get(client, "/s/hello.txt", "Range", "bytes=14-");
        assertEquals(Status.RANGE_NOT_SATISFIABLE, unsatisfiable.status());
        assertEquals("bytes */14", unsatisfiable.headers().firstOrNull("Content-Range"));
        Response several = get(client, "/s/hello.txt", "Range", "bytes=0-1,3-4");
        assertEquals(Status.OK, several.status());
        assertEquals("Hello, static!", several.body().text());
        String etag = part.headers().firstOrNull("ETag");
        assertEquals(Status.PARTIAL_CONTENT, get(client, "/s/hello.txt", "Range", "bytes=0-0", "If-Range", etag).status());
        assertEquals(Status.OK, get(client, "/s/hello.txt", "Range", "bytes=0-0", "If-Range", "\"old\"").status());
        assertEquals(Status.OK, get(client, "/s/hello.txt", "Range", "bytes=0-0", "If-Range", "W/" + etag).status());
        assertEquals(Status.PARTIAL_CONTENT, get(client, "/s/hello.txt", "Range", "bytes=0-0",
                "If-Range", "Wed, 01 May 2024 10:00:00 GMT").status());
        assertEquals(Status.OK, get(client, "/s/hello.txt", "Range", "bytes=0-0",
                "If-Range", "Wed, 01 May 2024 09:00:00 GMT").status());
    }

    @Test
    void precompressedSiblings() throws IOException {
        TestClient client = client(StaticFiles.directory(root));
        Response br = get(client, "/s/app.js", "Accept-Encoding", "gzip, deflate, br");
        assertEquals("BR", br.body().text());
        assertEquals("br", br.headers().firstOrNull("Content-Encoding"));
        assertEquals("Accept-Encoding", br.headers().firstOrNull("Vary"));
        assertEquals("text/javascript; charset=utf-8", br.headers().firstOrNull("Content-Type"));
        Response gz = get(client, "/s/app.js", "Accept-Encoding", "gzip, br;q=0");
        assertEquals("GZ", gz.body().text());
        assertEquals("gzip", gz.headers().firstOrNull("Content-Encoding"));
        assertEquals("GZ", get(client, "/s/app.js", "Accept-Encoding", "br;q=0.5, gzip;q=0.9").body().text());
        Response plain = get(client, "/s/app.js");
        assertEquals("console.log(1)", plain.body().text());
        assertFalse(plain.headers().contains("Content-Encoding"));
        assertEquals("Accept-Encoding", plain.headers().firstOrNull("Vary"));
        assertNotEquals(plain.headers().firstOrNull("ETag"), br.headers().firstOrNull("ETag"));
        assertNotEquals(gz.headers().firstOrNull("ETag"), br.headers().firstOrNull("ETag"));
        assertEquals("console.log(1)", get(client(StaticFiles.builder().directory(root).precompressed(false).build()),
                "/s/app.js", "Accept-Encoding", "br").body().text());
    }

    @Test
    void directoriesRedirectThenServeTheirIndex() throws IOException {
        TestClient client = client(StaticFiles.directory(root));
        Response redirect = get(client, "/s/docs?x=1");
        assertEquals(Status.MOVED_PERMANENTLY, redirect.status());
        assertEquals("/s/docs/?x=1", redirect.headers().firstOrNull("Location"));
        assertEquals("<h1>docs</h1>", get(client, "/s/docs/").body().text());
        assertEquals("/s/", get(client, "/s").headers().firstOrNull("Location"));
        assertEquals("<h1>root</h1>", get(client, "/s/").body().text());
        assertEquals(Status.NOT_FOUND, get(client, "/s/empty/").status(), "no listing");
        assertEquals(Status.NOT_FOUND, get(client(StaticFiles.builder().directory(root).indexFile(null).build()), "/s/docs/").status());
        assertEquals(Status.NOT_FOUND, get(client, "/s/hello.txt/").status());
    }

    @Test
    void nothingOutsideTheRootNorHidden() {
        TestClient client = client(StaticFiles.directory(root));
        for (String target : new String[] {"/s/escape.txt", "/s/up/outside.txt", "/s/.env", "/s/missing.txt",
                "/s/docs%2findex.html"}) {
            assertEquals(Status.NOT_FOUND, get(client, target).status(), target);
        }
        // forms the request-target parser refuses for every route, before any handler runs
        for (String target : new String[] {"/s/..%2foutside.txt", "/s/%2e%2e/outside.txt", "/s/..%5coutside.txt",
                "/s/hello.txt%00", "/s//etc/passwd", "/s/%2fetc%2fpasswd", "/s/docs%5cindex.html", "/s/docs%2f..%2f..%2foutside.txt", "/s/.%2e/outside.txt"}) {
            Status status = refused(client, target);
            assertTrue(status.equals(Status.NOT_FOUND) || status.equals(Status.BAD_REQUEST), target + ": " + status);
        }
        assertEquals(Status.OK, get(client, "/s/inside.txt").status(), "a link that stays inside is served");
        assertEquals(Status.OK, get(client(StaticFiles.builder().directory(root).hiddenFiles(true).build()), "/s/.env").status());
    }

    static Status refused(TestClient client, String target) {
        try {
            return get(client, target).status();
        } catch (HttpException e) {
            return e.status();
        }
    }

    @Test
    void getAndHeadOnly() {
        TestClient client = client(StaticFiles.directory(root));
        Response post = client.post("/s/hello.txt", "x");
        assertEquals(Status.METHOD_NOT_ALLOWED, post.status());
        assertEquals("GET, HEAD", post.headers().firstOrNull("Allow"));
        Response head = client.send(Method.HEAD, "/s/hello.txt");
        assertEquals(Status.OK, head.status());
        assertEquals("14", head.headers().firstOrNull("Content-Length"));
    }

    @Test
    void classpathDirectoryAndJar() throws IOException {
        Path classes = Files.createDirectories(dir.resolve("classes/static"));
        Files.createDirectories(classes.resolve("sub"));
        Files.writeString(classes.resolve("a.css"), "body{}");
        Files.writeString(classes.resolve("Secret.class"), "cafebabe");
        Files.writeString(classes.resolve("sub/index.html"), "sub");
        Files.writeString(dir.resolve("classes/outside.txt"), "outside");
        Path jar = dir.resolve("assets.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String name : new String[] {"web/", "web/docs/", "web/docs/index.html", "web/site.js", "web/A.class", "top.txt"}) {
                JarEntry entry = new JarEntry(name);
                entry.setTime(MODIFIED.toEpochMilli());
                out.putNextEntry(entry);
                if (!name.endsWith("/")) {
                    out.write(("content of " + name).getBytes(StandardCharsets.UTF_8));
                }
                out.closeEntry();
            }
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.resolve("classes").toUri().toURL(), jar.toUri().toURL()}, null)) {
            TestClient fromDir = client(StaticFiles.builder().classpath("/static", loader).build());
            assertEquals("body{}", get(fromDir, "/s/a.css").body().text());
            assertEquals("text/css; charset=utf-8", get(fromDir, "/s/a.css").headers().firstOrNull("Content-Type"));
            assertEquals("sub", get(fromDir, "/s/sub/").body().text());
            assertEquals(Status.MOVED_PERMANENTLY, get(fromDir, "/s/sub").status());
            assertEquals(Status.NOT_FOUND, get(fromDir, "/s/Secret.class").status());
            assertTrue(refused(fromDir, "/s/%2e%2e/outside.txt").isError());
            assertTrue(refused(fromDir, "/s/..%2foutside.txt").isError());
            assertTrue(refused(fromDir, "/s/sub%2f..%2f..%2foutside.txt").isError());
            assertEquals(Status.NOT_FOUND, get(fromDir, "/s/sub%2findex.html").status());

            TestClient fromJar = client(StaticFiles.builder().classpath("web", loader).build());
            Response js = get(fromJar, "/s/site.js");
            assertEquals("content of web/site.js", js.body().text());
            assertTrue(js.headers().firstOrNull("ETag").matches("\"16-[0-9a-f]+\""), "size and time of the jar entry");
            assertEquals(Status.NOT_MODIFIED, get(fromJar, "/s/site.js", "If-None-Match", js.headers().firstOrNull("ETag")).status());
            Response part = get(fromJar, "/s/site.js", "Range", "bytes=11-13");
            assertEquals(Status.PARTIAL_CONTENT, part.status());
            assertEquals("web", part.body().text());
            assertEquals("content of web/docs/index.html", get(fromJar, "/s/docs/").body().text());
            assertEquals("/s/docs/", get(fromJar, "/s/docs").headers().firstOrNull("Location"));
            assertEquals(Status.NOT_FOUND, get(fromJar, "/s/A.class").status());
            assertTrue(refused(fromJar, "/s/..%2ftop.txt").isError());
            assertTrue(refused(fromJar, "/s/docs%2f..%2f..%2ftop.txt").isError());
            assertEquals(Status.NOT_FOUND, get(fromJar, "/s/missing").status());
        }
    }

    @Test
    void builderRefusals() {
        assertThrows(IllegalArgumentException.class, () -> StaticFiles.directory(root.resolve("hello.txt")));
        assertThrows(IllegalArgumentException.class, () -> StaticFiles.directory(root.resolve("nope")));
        assertThrows(IllegalStateException.class, () -> StaticFiles.builder().build());
        assertThrows(IllegalArgumentException.class, () -> StaticFiles.builder().indexFile("../x"));
        assertThrows(IllegalArgumentException.class, () -> StaticFiles.classpath("/static/../x"));
    }

    @Test
    void fileRegionBodies() throws IOException {
        Body region = Body.of(root.resolve("hello.txt"), 7, 6);
        assertEquals(6, region.length());
        assertEquals(7, ((Body.File) region).offset());
        assertEquals("static", region.text());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        region.writeTo(out);
        assertArrayEquals("static".getBytes(StandardCharsets.UTF_8), out.toByteArray());
        assertThrows(IllegalArgumentException.class, () -> Body.of(root.resolve("hello.txt"), -1, 2));
        Response sent = TestClient.of(request -> Response.ok().withBody(Body.of(root.resolve("hello.txt"), 0, 5))).get("/");
        assertEquals("Hello", sent.body().text());
        assertTrue(OutputStream.class.isInstance(out));
    }
}
