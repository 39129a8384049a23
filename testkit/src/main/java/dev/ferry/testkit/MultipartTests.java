package dev.ferry.testkit;

import dev.ferry.Handler;
import dev.ferry.Multipart;
import dev.ferry.Response;
import dev.ferry.routing.Router;
import dev.ferry.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code multipart/form-data} uploads read with {@link Multipart} behave the same on every server:
 * fields and files arrive whole with fixed-length and chunked bodies, limits and malformed bodies get
 * their status and a message, and no temporary file outlives its request, even when the client goes
 * away or stalls midway.
 */
abstract class MultipartTests extends Tier {

    static final String BOUNDARY = "----FerryFormBoundary7MA4YWxkTrZu0gW";
    static final int MAX_BODY = 4 * 1024 * 1024;
    static final int MAX_PART = 128 * 1024;
    static final int THRESHOLD = 4 * 1024;

    final Path temp = directory("ferry-multipart-temp-");
    final Path uploads = directory("ferry-multipart-uploads-");
    final Multipart multipart = Multipart.builder().maxParts(6).maxPartSize(MAX_PART).maxPartHeaderBytes(1024)
            .memoryThreshold(THRESHOLD).tempDirectory(temp).build();

    /** For the streaming reader: no part limit, so that only the server's body limit bounds a part. */
    final Multipart streaming = multipart.toBuilder().maxPartSize(Long.MAX_VALUE).build();

    MultipartTests(ConformanceSuite suite) {
        super(suite);
    }

    @Override
    ServerConfig config() {
        return base().maxRequestBody(MAX_BODY).build();
    }

    @Override
    Handler handler() {
        Router router = Router.builder()
                .post("/form", request -> {
                    StringBuilder out = new StringBuilder();
                    for (Multipart.FormPart part : multipart.form(request).parts()) {
                        try (InputStream in = part.stream()) {
                            out.append(line(part.name(), part.filename().orElse("-"), in,
                                    part.path().map(p -> "disk:" + p.getFileName()).orElse("memory"),
                                    part.isFile() ? "-" : part.text()));
                        }
                    }
                    return Response.text(out.toString());
                })
                .post("/stream", request -> {
                    StringBuilder out = new StringBuilder();
                    streaming.each(request, part -> out.append(line(part.name(), part.filename().orElse("-"),
                            part.stream(), "stream", "-")));
                    return Response.text(out.toString());
                })
                .post("/save", request -> {
                    StringBuilder out = new StringBuilder();
                    for (Multipart.FormPart part : multipart.form(request).parts()) {
                        if (part.isFile()) {
                            Path target = uploads.resolve(part.filename().orElseThrow());
                            part.moveTo(target);
                            out.append(uploads.relativize(target)).append('\n');
                        }
                    }
                    return Response.text(out.toString());
                })
                .build();
        return Multipart.cleanup().then(router);
    }

    @AfterEach
    void noTemporaryFileOutlivesItsRequest() throws Exception {
        assertTrue(await(() -> list(temp).isEmpty(), Duration.ofSeconds(5)), "temporary files left: " + list(temp));
        for (Path saved : list(uploads)) {
            Files.delete(saved);
        }
    }

    @AfterAll
    void removeDirectories() throws IOException {
        Files.deleteIfExists(temp);
        Files.deleteIfExists(uploads);
    }

    // --- uploads

    @Test
    void fieldsAndFilesArriveWholeWithAFixedLengthBody() throws IOException {
        Form form = sample();
        RawResponse response = exchange(form.fixedLength("/form"));
        assertEquals(200, response.status(), response.text());
        assertEquals(form.expected(), withoutStorage(response.text()));
        List<String> stored = storage(response.text());
        assertEquals(List.of("memory", "memory", "memory", "disk"), stored.stream().map(s -> s.replaceFirst(":.*", "")).toList(),
                "parts above the threshold go to a file: " + response.text());
        String file = stored.get(3).substring("disk:".length());
        assertTrue(file.startsWith("ferry-upload-") && !file.contains("photo") && !file.contains("scan"),
                "the temporary file's name owes nothing to the client: " + file);
    }

    @Test
    void fieldsAndFilesArriveWholeWithAChunkedBody() throws IOException {
        Form form = sample();
        RawResponse response = exchange(form.chunked("/form", 1, 7, 4096, 65536, 3, 1000));
        assertEquals(200, response.status(), response.text());
        assertEquals(form.expected(), withoutStorage(response.text()));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void thePartsStreamInOrderWithTheReader(boolean chunked) throws IOException {
        Form form = sample();
        RawResponse response = exchange(chunked ? form.chunked("/stream", 8191, 2, 30000) : form.fixedLength("/stream"));
        assertEquals(200, response.status(), response.text());
        assertEquals(form.expected().replaceAll("\\|[^|\\n]*\\n", "|-\n"), withoutStorage(response.text()));
        assertTrue(list(temp).isEmpty(), "the reader makes no temporary file");
    }

    @Test
    void anUploadOfSeveralMebibytesArrivesWhole() throws IOException {
        // above the 2 MiB that some servers allow by default: the core's limit is the one that counts
        Form form = new Form().field("title", "big").file("big", "big.bin", random(3 * 1024 * 1024, 11));
        RawResponse response = exchange(form.chunked("/stream", 65536));
        assertEquals(200, response.status(), response.text());
        assertEquals(form.expected().replaceAll("\\|[^|\\n]*\\n", "|-\n"), withoutStorage(response.text()));
        response = exchange(form.fixedLength("/stream"));
        assertEquals(200, response.status(), response.text());
        assertEquals(form.expected().replaceAll("\\|[^|\\n]*\\n", "|-\n"), withoutStorage(response.text()));
    }

    @Test
    void aFormAtTheLimitsIsAccepted() throws IOException {
        Form form = new Form();
        for (int i = 0; i < 6; i++) {
            form.file("f" + i, "f" + i + ".bin", random(i == 0 ? MAX_PART : 1000, i));
        }
        RawResponse response = exchange(form.fixedLength("/form"));
        assertEquals(200, response.status(), response.text());
        assertEquals(form.expected(), withoutStorage(response.text()));
    }

    // --- limits

    @Test
    void tooManyPartsIs413() throws IOException {
        Form form = new Form();
        for (int i = 0; i < 7; i++) {
            form.field("f" + i, "v");
        }
        assertRefused(exchange(form.fixedLength("/form")), 413, "Content Too Large: the form has more than 6 parts");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aPartOverItsLimitIs413(boolean chunked) throws IOException {
        Form form = new Form().field("title", "x").file("big", "big.bin", random(MAX_PART + 1, 3));
        RawResponse response = exchange(chunked ? form.chunked("/form", 10_000) : form.fixedLength("/form"));
        assertRefused(response, 413, "Content Too Large: part 'big' is larger than " + MAX_PART + " bytes");
    }

    @Test
    void partHeadersOverTheirLimitAre413() throws IOException {
        Form form = new Form().part("a", null, "X-Padding: " + "p".repeat(1100) + "\r\n", "v".getBytes(ISO_8859_1));
        assertRefused(exchange(form.fixedLength("/form")), 413, "Content Too Large: a part's headers are larger than 1024 bytes");
    }

    @Test
    void aBodyOverTheServerLimitIs413() throws IOException {
        Form form = new Form();
        for (int i = 0; i < 5; i++) {
            form.file("f" + i, "f" + i + ".bin", random(MAX_BODY / 5 + 1000, i));
        }
        try (RawClient client = connect()) {
            client.send(form.chunked("/stream", 16 * 1024));
            RawResponse response = client.readFinal();
            assertEquals(413, response.status(), response.text());
            assertClosed(client, "after a 413");
        }
        try (RawClient client = connect()) {
            byte[] whole = form.fixedLength("/stream");
            client.send(new String(whole, 0, 400, ISO_8859_1).getBytes(ISO_8859_1));
            RawResponse response = client.readFinal();
            assertEquals(413, response.status(), "413 from Content-Length alone: " + response.head());
        }
    }

    // --- malformed

    @Test
    void aBodyWithoutTheClosingBoundaryIs400() throws IOException {
        String body = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue";
        assertRefused(exchange(raw("/form", "multipart/form-data; boundary=" + BOUNDARY, body)), 400,
                "Bad Request: malformed multipart body: the body ended inside a part, without the closing boundary");
    }

    @Test
    void aBodyWithoutTheBoundaryIs400() throws IOException {
        assertRefused(exchange(raw("/form", "multipart/form-data; boundary=" + BOUNDARY, "just some text\r\n")), 400,
                "Bad Request: malformed multipart body: the body does not hold the boundary of its Content-Type");
    }

    @Test
    void aContentTypeWithoutBoundaryIs400() throws IOException {
        assertRefused(exchange(raw("/form", "multipart/form-data", "--x--")), 400,
                "Bad Request: the Content-Type has no boundary parameter");
    }

    @Test
    void badPartHeadersAre400() throws IOException {
        String body = "--" + BOUNDARY + "\r\nContent-Disposition form-data; name=\"a\"\r\n\r\nv\r\n--" + BOUNDARY + "--\r\n";
        assertRefused(exchange(raw("/form", "multipart/form-data; boundary=" + BOUNDARY, body)), 400,
                "Bad Request: malformed multipart body: a part header line is not 'name: value'");
        String noName = "--" + BOUNDARY + "\r\nContent-Disposition: form-data\r\n\r\nv\r\n--" + BOUNDARY + "--\r\n";
        assertRefused(exchange(raw("/form", "multipart/form-data; boundary=" + BOUNDARY, noName)), 400,
                "Bad Request: malformed multipart body: a part's Content-Disposition has no name parameter");
    }

    @Test
    void anotherContentTypeIs415() throws IOException {
        assertRefused(exchange(raw("/form", "application/json", "{}")), 415,
                "Unsupported Media Type: expected multipart/form-data");
    }

    // --- clients that go away

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aClientThatDisconnectsMidwayLeavesNoTemporaryFile(boolean chunked) throws Exception {
        Form form = new Form().field("title", "x").file("big", "big.bin", random(MAX_PART, 9));
        byte[] request = chunked ? form.chunked("/form", 8192) : form.fixedLength("/form");
        try (RawClient client = connect()) {
            client.send(java.util.Arrays.copyOf(request, request.length / 2));
            assertTrue(await(() -> list(temp).size() == 1, Duration.ofSeconds(5)),
                    "the part above the threshold is being written to a temporary file");
        }
        assertTrue(await(() -> list(temp).isEmpty(), Duration.ofSeconds(5)), "left behind: " + list(temp));
    }

    @Test
    void aClientThatStallsMidwayIsCutAndLeavesNoTemporaryFile() throws Exception {
        Form form = new Form().field("title", "x").file("big", "big.bin", random(MAX_PART, 10));
        byte[] request = form.fixedLength("/form");
        try (RawClient client = connect()) {
            client.timeout(BODY_TIMEOUT.plus(CLOSE_SLACK).plus(CLOSE_SLACK));
            client.send(java.util.Arrays.copyOf(request, request.length / 2));
            assertTrue(await(() -> list(temp).size() == 1, Duration.ofSeconds(5)), "the upload started");
            RawResponse response = client.readFinal();
            assertEquals(408, response.status(), response.head());
        }
        assertTrue(await(() -> list(temp).isEmpty(), Duration.ofSeconds(5)), "left behind: " + list(temp));
    }

    // --- file names

    @Test
    void traversalFileNamesAreSavedInsideTheUploadDirectory() throws IOException {
        Form form = new Form()
                .file("a", "../../../../../../tmp/evil.txt", "a".getBytes(ISO_8859_1))
                .file("b", "..\\..\\windows\\win.ini", "b".getBytes(ISO_8859_1))
                .file("c", "/etc/passwd", "c".getBytes(ISO_8859_1))
                .file("d", "..", "d".getBytes(ISO_8859_1))
                .part("e", null, "", "e".getBytes(ISO_8859_1),
                        "form-data; name=\"e\"; filename*=UTF-8''..%2F..%2Fcron%00.d%0A%E2%80%AE.sh");
        RawResponse response = exchange(form.fixedLength("/save"));
        assertEquals(200, response.status(), response.text());
        assertEquals("evil.txt\nwin.ini\npasswd\nupload\ncron.d.sh\n", response.text());
        assertEquals(List.of("cron.d.sh", "evil.txt", "passwd", "upload", "win.ini"),
                list(uploads).stream().map(p -> p.getFileName().toString()).toList());
        assertFalse(Files.exists(uploads.getParent().resolve("win.ini")));
    }

    // --- helpers

    /** Sends these bytes on a new connection and returns the final response. */
    RawResponse exchange(byte[] request) throws IOException {
        try (RawClient client = connect()) {
            return client.send(request).readFinal();
        }
    }

    static Path directory(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> list(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void assertRefused(RawResponse response, int status, String message) {
        assertEquals(status, response.status(), response.head() + "\n" + response.text());
        assertEquals(message, response.text());
    }

    /** One line per part: name, safe file name, size, SHA-256, where it was kept, field text. */
    static String line(String name, String filename, InputStream content, String stored, String text) throws IOException {
        MessageDigest digest = sha256();
        long size = 0;
        byte[] buffer = new byte[8192];
        int n;
        while ((n = content.read(buffer)) >= 0) {
            digest.update(buffer, 0, n);
            size += n;
        }
        return name + "|" + filename + "|" + size + "|" + HexFormat.of().formatHex(digest.digest()) + "|" + stored + "|" + text + "\n";
    }

    static String withoutStorage(String lines) {
        return lines.replaceAll("\\|(memory|disk:[^|]*|stream)\\|", "|");
    }

    static List<String> storage(String lines) {
        List<String> stored = new ArrayList<>();
        for (String line : lines.split("\n")) {
            stored.add(line.split("\\|")[4]);
        }
        return stored;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        // and the bytes a careless delimiter search trips on
        byte[] near = ("\r\n--" + BOUNDARY.substring(0, 20)).getBytes(ISO_8859_1);
        for (int at = 100; at + near.length < size; at += 997) {
            System.arraycopy(near, 0, bytes, at, near.length);
        }
        return bytes;
    }

    /** A form with two fields and two files, one of them above the memory threshold. */
    static Form sample() {
        return new Form()
                .field("title", "Holiday \u00e0 la mer")
                .field("tags", "sea, sun")
                .file("photo", "photo.jpg", random(3000, 1))
                .file("scan", "scan.pdf", random(100_000, 2));
    }

    static byte[] raw(String target, String contentType, String body) {
        return ("POST " + target + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + contentType + "\r\nContent-Length: "
                + body.getBytes(ISO_8859_1).length + "\r\n\r\n" + body).getBytes(ISO_8859_1);
    }

    /** Builds a multipart body and the lines the app should answer for it. */
    static final class Form {
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final StringBuilder expected = new StringBuilder();

        Form field(String name, String value) {
            byte[] content = value.getBytes(StandardCharsets.UTF_8);
            part(name, null, "", content);
            return this;
        }

        Form file(String name, String filename, byte[] content) {
            return part(name, filename, "Content-Type: application/octet-stream\r\n", content);
        }

        Form part(String name, String filename, String headers, byte[] content) {
            String disposition = "form-data; name=\"" + name + "\""
                    + (filename == null ? "" : "; filename=\"" + filename + "\"");
            return part(name, filename, headers, content, disposition);
        }

        Form part(String name, String filename, String headers, byte[] content, String disposition) {
            body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: " + disposition + "\r\n" + headers + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            body.writeBytes(content);
            body.writeBytes("\r\n".getBytes(ISO_8859_1));
            boolean isFile = filename != null || disposition.contains("filename");
            try {
                String safe = disposition.contains("filename*") ? "cron.d.sh" : filename == null ? "-" : safe(filename);
                expected.append(line(name, safe, new java.io.ByteArrayInputStream(content), "", isFile ? "-"
                        : new String(content, StandardCharsets.UTF_8)).replace("||", "|"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        private static String safe(String filename) {
            String base = filename.substring(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1);
            return base.equals("..") ? "upload" : base;
        }

        String expected() {
            return expected.toString();
        }

        byte[] content() {
            ByteArrayOutputStream whole = new ByteArrayOutputStream();
            whole.writeBytes(body.toByteArray());
            whole.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(ISO_8859_1));
            return whole.toByteArray();
        }

        byte[] fixedLength(String target) {
            byte[] content = content();
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.writeBytes(("POST " + target + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary="
                    + BOUNDARY + "\r\nContent-Length: " + content.length + "\r\n\r\n").getBytes(ISO_8859_1));
            request.writeBytes(content);
            return request.toByteArray();
        }

        /** The request with a chunked body, its chunks' sizes cycling through {@code sizes}. */
        byte[] chunked(String target, int... sizes) {
            byte[] content = content();
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.writeBytes(("POST " + target + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary="
                    + BOUNDARY + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(ISO_8859_1));
            int at = 0;
            for (int i = 0; at < content.length; i++) {
                int n = Math.min(sizes[i % sizes.length], content.length - at);
                request.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(ISO_8859_1));
                request.write(content, at, n);
                request.writeBytes("\r\n".getBytes(ISO_8859_1));
                at += n;
            }
            request.writeBytes("0\r\n\r\n".getBytes(ISO_8859_1));
            return request.toByteArray();
        }
    }
}
