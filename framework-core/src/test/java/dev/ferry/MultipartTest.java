package dev.ferry;

import dev.ferry.server.ServerConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MultipartTest {

    static final String B = "XyZzy-boundary";

    @TempDir
    Path temp;

    static Request request(String boundary, byte[] body) {
        return Request.builder().method(Method.POST).target("/upload")
                .headers(Headers.of("Content-Type", "multipart/form-data; boundary=" + boundary))
                .body(Body.of(body)).build();
    }

    static Request request(String body) {
        return request(B, body.getBytes(ISO_8859_1));
    }

    static Request streaming(byte[] body) {
        return Request.builder().method(Method.POST).target("/upload")
                .headers(Headers.of("Content-Type", "multipart/form-data; boundary=" + B))
                .body(Body.of(new ByteArrayInputStream(body))).build();
    }

    /** Three parts: two fields and a file, as a browser sends them. */
    static final String FORM = "--" + B + "\r\n"
            + "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
            + "Holiday\r\n"
            + "--" + B + "\r\n"
            + "Content-Disposition: form-data; name=\"tags\"\r\n\r\n"
            + "sea\r\n"
            + "--" + B + "\r\n"
            + "Content-Disposition: form-data; name=\"photo\"; filename=\"beach.jpg\"\r\n"
            + "Content-Type: image/jpeg\r\n\r\n"
            + "\u00ff\u00d8\u00ff\r\nbinary\r\n-- not a boundary\r\n--" + B.substring(0, 5) + "\r\n"
            + "--" + B + "\r\n"
            + "Content-Disposition: form-data; name=\"tags\"\r\n\r\n"
            + "sun\r\n"
            + "--" + B + "--\r\n";

    static HttpException refused(Multipart multipart, Request request) {
        return assertThrows(HttpException.class, () -> {
            try (Multipart.Form form = multipart.form(request)) {
                form.parts();
            }
        });
    }

    static HttpException refused(String body) {
        return refused(Multipart.defaults(), request(body));
    }

    @Test
    void formCollectsFieldsAndFiles() throws IOException {
        try (Multipart.Form form = Multipart.defaults().form(request(FORM))) {
            assertEquals(4, form.parts().size());
            assertEquals("Holiday", form.field("title").orElseThrow());
            assertEquals(List.of("sea", "sun"), form.fields("tags"));
            Multipart.FormPart photo = form.file("photo").orElseThrow();
            assertEquals("beach.jpg", photo.filename().orElseThrow());
            assertEquals("image/jpeg", photo.contentType().orElseThrow().toString());
            assertEquals("\u00ff\u00d8\u00ff\r\nbinary\r\n-- not a boundary\r\n--" + B.substring(0, 5),
                    new String(photo.bytes(), ISO_8859_1));
            assertEquals(photo.bytes().length, photo.size());
            assertTrue(photo.path().isEmpty(), "a small part stays in memory");
            assertTrue(form.field("photo").isEmpty(), "a file is not a field");
            assertTrue(form.file("title").isEmpty(), "a field is not a file");
        }
    }

    @Test
    void readerStreamsPartsInOrder() throws IOException {
        List<String> seen = new ArrayList<>();
        try (Multipart.Reader reader = Multipart.defaults().reader(streaming(FORM.getBytes(ISO_8859_1)))) {
            Multipart.Part part;
            while ((part = reader.next()) != null) {
                seen.add(part.name() + (part.isFile() ? "(" + part.filename().orElseThrow() + ")" : "") + "="
                        + new String(part.bytes(), ISO_8859_1).length());
            }
        }
        assertEquals(List.of("title=7", "tags=3", "photo(beach.jpg)=39", "tags=3"), seen);
    }

    @Test
    void eachSkipsWhatTheVisitorLeavesUnread() throws Exception {
        List<String> names = new ArrayList<>();
        Multipart.defaults().each(request(FORM), part -> names.add(part.name()));
        assertEquals(List.of("title", "tags", "photo", "tags"), names);
    }

    @Test
    void aPassedPartCannotBeRead() throws IOException {
        try (Multipart.Reader reader = Multipart.defaults().reader(request(FORM))) {
            Multipart.Part first = reader.next();
            reader.next();
            IOException e = assertThrows(IOException.class, () -> first.stream().read());
            assertTrue(e.getMessage().contains("title"), e.getMessage());
        }
    }

    @Test
    void preambleEpiloguePaddingAndEmptyPartsAreHandled() throws IOException {
        String body = "This is the preamble.\r\nIt is ignored.\r\n--" + B + " \t\r\n"
                + "Content-Disposition: form-data; name=\"empty\"\r\n\r\n"
                + "\r\n--" + B + "\r\n"
                + "content-disposition: FORM-DATA; name=a\r\n\r\n"
                + "\r\n\r\n--" + B + "--  \r\nThis is the epilogue, ignored.\r\n--" + B + "\r\n";
        try (Multipart.Form form = Multipart.defaults().form(request(body))) {
            assertEquals(2, form.parts().size());
            assertEquals("", form.field("empty").orElseThrow());
            assertEquals("\r\n", form.field("a").orElseThrow(), "content ends before the CRLF of the delimiter");
        }
    }

    @Test
    void contentMayHoldEveryPrefixOfTheDelimiter() throws IOException {
        String delimiter = "\r\n--" + B;
        StringBuilder content = new StringBuilder();
        for (int i = 1; i < delimiter.length(); i++) {
            content.append(delimiter, 0, i).append('x');
        }
        content.append('\r');
        String body = "--" + B + "\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n" + content
                + "\r\n--" + B + "--";
        try (Multipart.Form form = Multipart.defaults().form(request(body))) {
            assertEquals(content.toString(), new String(form.part("f").orElseThrow().bytes(), ISO_8859_1));
        }
    }

    @Test
    void aQuotedBoundaryWithSpacesAndEqualsSigns() throws IOException {
        String boundary = "----=_Part 0:x";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--" + boundary + "--\r\n";
        Request request = Request.builder().method(Method.POST).target("/")
                .headers(Headers.of("Content-Type", "multipart/form-data; boundary=\"" + boundary + "\""))
                .body(Body.of(body)).build();
        try (Multipart.Form form = Multipart.defaults().form(request)) {
            assertEquals("v", form.field("a").orElseThrow());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "text/plain|415",
        "multipart/mixed; boundary=abc|415",
        "multipart/form-data|400",
        "multipart/form-data; boundary=|400",
        "multipart/form-data; boundary=a{b|400",
        "multipart/form-data; boundary=\"ends with space \"|400",
        "multipart/form-data; boundary=12345678901234567890123456789012345678901234567890123456789012345678901|400",
    })
    void contentTypeIsChecked(String contentType, int status) {
        Request request = Request.builder().method(Method.POST).target("/")
                .headers(Headers.of("Content-Type", contentType)).body(Body.of("x")).build();
        HttpException e = assertThrows(HttpException.class, () -> Multipart.defaults().reader(request));
        assertEquals(status, e.status().code(), e.getMessage());
    }

    @Test
    void aMissingContentTypeIs415() {
        Request request = Request.post("/", "--a--");
        assertEquals(415, assertThrows(HttpException.class, () -> Multipart.defaults().form(request)).status().code());
    }

    static Stream<Arguments> malformedBodies() {
        return Stream.of(
                Arguments.of("", "the body is empty"),
                Arguments.of("no boundary here at all", "does not hold the boundary"),
                Arguments.of("--XyZzy-boundary\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue", "ended inside a part"),
                Arguments.of("--XyZzy-boundary\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue\r\n--XyZzy-boundary", "ended after a boundary"),
                Arguments.of("--XyZzy-boundary\r\nContent-Disposition: form-data; name=a\r\n", "ended inside a part's headers"),
                Arguments.of("--XyZzy-boundary\r\nContent-Disposition form-data\r\n\r\nv\r\n--XyZzy-boundary--", "not 'name: value'"),
                Arguments.of("--XyZzy-boundary\r\nContent-Disposition: form-data; name=a\n\r\nv\r\n--XyZzy-boundary--", "bare LF"),
                Arguments.of("--XyZzy-boundary\r\nContent-Disposition: form-data; name=a\rX\r\n\r\nv\r\n--XyZzy-boundary--", "bare CR"),
                Arguments.of("--XyZzy-boundary\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\nv\r\n--XyZzy-boundary--", "folded"),
                Arguments.of("--XyZzy-boundary\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZzy-boundary--", "no Content-Disposition"),
                Arguments.of("--XyZzy-boundary\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--XyZzy-boundary--", "not form-data"),
                Arguments.of("--XyZzy-boundary\r\nContent-Disposition: form-data; filename=a.txt\r\n\r\nv\r\n--XyZzy-boundary--", "no name"),
                Arguments.of("--XyZzy-boundary\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--XyZzy-boundary--", "unterminated"),
                Arguments.of("--XyZzy-boundary\r\nContent-Disposition: form-data; name=a\r\nContent-Type: nonsense\r\n\r\nv\r\n--XyZzy-boundary--", "Content-Type is malformed"),
                Arguments.of("--XyZzy-boundaryX\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZzy-boundary--", "other than CRLF"),
                Arguments.of("--XyZzy-boundary\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZzy-boundary-x", "lone '-'"),
                Arguments.of("--XyZzy-boundary\r\nContent-Disposition: form-data; name=a; filename*=utf-8'x\r\n\r\nv\r\n--XyZzy-boundary--", "charset'language'value"),
                Arguments.of("--XyZzy-boundary\r\nContent-Disposition: form-data; name=a; filename*=utf-8''%zz\r\n\r\nv\r\n--XyZzy-boundary--", "percent-encoding"),
                Arguments.of("--XyZzy-boundary\r\nContent-Disposition: form-data; name=a; filename*=utf-8''%ff\r\n\r\nv\r\n--XyZzy-boundary--", "not valid UTF-8"),
                Arguments.of("--XyZzy-boundary\r\nContent-Disposition: form-data; name=a; filename*=nope''a\r\n\r\nv\r\n--XyZzy-boundary--", "unknown charset"),
                Arguments.of("--XyZzy-boundary\r\nContent-Disposition: form-data; name=a\r\nX-Nul: a\u0000b\r\n\r\nv\r\n--XyZzy-boundary--", "control character")
        );
    }

    @ParameterizedTest
    @MethodSource("malformedBodies")
    void malformedBodiesAre400SayingWhy(String body, String why) {
        HttpException e = refused(body);
        assertEquals(400, e.status().code(), e.getMessage());
        assertTrue(e.getMessage().startsWith("Bad Request: malformed multipart body: "), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    static String parts(int count, int size) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < count; i++) {
            body.append("--").append(B).append("\r\nContent-Disposition: form-data; name=\"f").append(i)
                    .append("\"; filename=\"f").append(i).append(".bin\"\r\n\r\n").append("x".repeat(size)).append("\r\n");
        }
        return body.append("--").append(B).append("--\r\n").toString();
    }

    @Test
    void limitsAre413() throws IOException {
        Multipart limited = Multipart.builder().maxParts(3).maxPartSize(100).maxPartHeaderBytes(200).build();
        try (Multipart.Form form = limited.form(request(parts(3, 100)))) {
            assertEquals(3, form.parts().size(), "up to the limits passes");
        }
        HttpException count = refused(limited, request(parts(4, 1)));
        assertEquals(413, count.status().code());
        assertEquals("Content Too Large: the form has more than 3 parts", count.getMessage());
        HttpException size = refused(limited, request(parts(1, 101)));
        assertEquals(413, size.status().code());
        assertEquals("Content Too Large: part 'f0' is larger than 100 bytes", size.getMessage());
        String bigHeaders = "--" + B + "\r\nContent-Disposition: form-data; name=a\r\nX-Pad: " + "p".repeat(200)
                + "\r\n\r\nv\r\n--" + B + "--";
        HttpException headers = refused(limited, request(bigHeaders));
        assertEquals(413, headers.status().code());
        assertEquals("Content Too Large: a part's headers are larger than 200 bytes", headers.getMessage());
    }

    @Test
    void theServerBodyLimitAndEachStatusReachTheClient() {
        Handler app = Multipart.cleanup().then((Handler) request -> {
            Multipart.Form form = Multipart.builder().maxParts(2).build().form(request);
            return Response.text(form.parts().size() + " parts");
        });
        TestClient client = TestClient.of(app, ServerConfig.builder().maxRequestBody(2000).build());
        assertEquals("2 parts", text(client.send(request(parts(2, 10)))));
        assertEquals(413, client.send(request(parts(1, 3000))).status().code(), "the server's body limit");
        assertEquals(413, client.send(request(parts(3, 1))).status().code(), "the part count");
        Response malformed = client.send(request("--" + B + "\r\nContent-Disposition: form-data; name=a\r\n\r\nv"));
        assertEquals(400, malformed.status().code());
        assertEquals("Bad Request: malformed multipart body: the body ended inside a part, without the closing boundary",
                text(malformed));
        assertEquals(415, client.send(Request.post("/", "a=b")).status().code());
    }

    static String text(Response response) {
        try {
            return response.body().text();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void fieldsHonourCharsetFieldPartCharsetAndDefault() throws IOException {
        byte[] latin = "caf\u00e9".getBytes(ISO_8859_1);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + B + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n").getBytes(ISO_8859_1));
        body.writeBytes(latin);
        body.writeBytes(("\r\n--" + B + "\r\nContent-Disposition: form-data; name=\"b\"\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n").getBytes(ISO_8859_1));
        body.writeBytes("caf\u00e9".getBytes(UTF_8));
        body.writeBytes(("\r\n--" + B + "\r\nContent-Disposition: form-data; name=\"_charset_\"\r\n\r\niso-8859-1\r\n--" + B + "--").getBytes(ISO_8859_1));
        try (Multipart.Form form = Multipart.defaults().form(request(B, body.toByteArray()))) {
            assertEquals("caf\u00e9", form.field("a").orElseThrow(), "_charset_ applies to fields that name no charset, wherever it comes");
            assertEquals("caf\u00e9", form.field("b").orElseThrow(), "a part's own charset wins");
            assertEquals(ISO_8859_1, form.part("a").orElseThrow().charset());
        }
        String utf8 = "--" + B + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
                + new String("\u00fcber \u20ac".getBytes(UTF_8), ISO_8859_1) + "\r\n--" + B + "--";
        try (Multipart.Form form = Multipart.defaults().form(request(utf8))) {
            assertEquals("\u00fcber \u20ac", form.field("a").orElseThrow(), "UTF-8 by default");
        }
    }

    @Test
    void theStreamingReaderAppliesCharsetFromTheCharsetFieldToLaterParts() throws IOException {
        String body = "--" + B + "\r\nContent-Disposition: form-data; name=\"_charset_\"\r\n\r\nISO-8859-1\r\n--" + B
                + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\ncaf\u00e9\r\n--" + B + "--";
        try (Multipart.Reader reader = Multipart.defaults().reader(request(body))) {
            assertEquals("ISO-8859-1", reader.next().text());
            assertEquals("caf\u00e9", reader.next().text());
        }
    }

    @Test
    void aLongPreambleWithoutTheBoundaryIs400() {
        HttpException e = refused("x".repeat(20_000) + "\r\n--" + B + "\r\n");
        assertEquals(400, e.status().code());
        assertEquals("Bad Request: malformed multipart body: the body does not start with the boundary of its Content-Type",
                e.getMessage());
    }

    @Test
    void anOverlongCharsetFieldIs400() {
        String body = "--" + B + "\r\nContent-Disposition: form-data; name=\"_charset_\"\r\n\r\n" + "x".repeat(65)
                + "\r\n--" + B + "--";
        HttpException e = refused(body);
        assertEquals(400, e.status().code());
        assertEquals("Bad Request: malformed multipart body: the _charset_ field is longer than 64 bytes", e.getMessage());
    }

    @Test
    void anUnknownCharsetFallsBackToTheDefault() throws IOException {
        String body = "--" + B + "\r\nContent-Disposition: form-data; name=\"_charset_\"\r\n\r\nno-such-charset\r\n--" + B
                + "\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Type: text/plain; charset=nope\r\n\r\n"
                + new String("\u00e9".getBytes(UTF_8), ISO_8859_1) + "\r\n--" + B + "--";
        try (Multipart.Form form = Multipart.defaults().form(request(body))) {
            assertEquals("\u00e9", form.field("a").orElseThrow());
        }
    }

    @Test
    void filenamesAreDecoded() throws IOException {
        String utf8Name = new String("r\u00e9sum\u00e9.pdf".getBytes(UTF_8), ISO_8859_1);
        String body = "--" + B + "\r\nContent-Disposition: form-data; name=\"a\"; filename=\"" + utf8Name + "\"\r\n\r\nx\r\n--" + B
                + "\r\nContent-Disposition: form-data; name=\"b\"; filename=\"fallback.txt\"; filename*=UTF-8''%E2%82%AC%20rates.txt\r\n\r\nx\r\n--" + B
                + "\r\nContent-Disposition: form-data; name=\"c\"; filename*=iso-8859-1'en'caf%E9.txt\r\n\r\nx\r\n--" + B
                + "\r\nContent-Disposition: form-data; name=\"d\"; filename=\"say \\\"hi\\\".txt\"\r\n\r\nx\r\n--" + B
                + "\r\nContent-Disposition: form-data; name=\"e\"; filename=\"\"\r\n\r\n\r\n--" + B + "--";
        try (Multipart.Form form = Multipart.defaults().form(request(body))) {
            assertEquals("r\u00e9sum\u00e9.pdf", form.file("a").orElseThrow().filename().orElseThrow(), "raw UTF-8, as browsers send");
            assertEquals("\u20ac rates.txt", form.file("b").orElseThrow().filename().orElseThrow(), "filename* wins");
            assertEquals("caf\u00e9.txt", form.file("c").orElseThrow().filename().orElseThrow());
            assertEquals("say \"hi\".txt", form.file("d").orElseThrow().untrustedFilename().orElseThrow());
            assertEquals("say _hi_.txt", form.file("d").orElseThrow().filename().orElseThrow());
            assertEquals("", form.file("e").orElseThrow().filename().orElseThrow(), "an empty file input");
            assertEquals(0, form.file("e").orElseThrow().size());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '#', value = {
        "../../etc/passwd#passwd",
        "..\\..\\windows\\win.ini#win.ini",
        "C:\\Users\\me\\Desktop\\report.pdf#report.pdf",
        "/absolute/path.txt#path.txt",
        "..#upload",
        ".#upload",
        "...#upload",
        "dir/..#upload",
        ".htaccess#htaccess",
        "trailing. . .#trailing",
        "a:b*c?d\"e<f>g|h#a_b_c_d_e_f_g_h",
        "CON.txt#_CON.txt",
        "nul#_nul",
        "ok-name_1.tar.gz#ok-name_1.tar.gz",
    })
    void filenamesAreSanitised(String untrusted, String safe) throws IOException {
        String body = "--" + B + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"" + untrusted.replace("\"", "\\\"")
                + "\"\r\n\r\nx\r\n--" + B + "--";
        try (Multipart.Form form = Multipart.defaults().form(request(body))) {
            Multipart.FormPart part = form.file("f").orElseThrow();
            assertEquals(safe, part.filename().orElseThrow());
            assertEquals(untrusted, part.untrustedFilename().orElseThrow());
        }
    }

    @Test
    void controlFormatAndOverlongNamesAreCleaned() throws IOException {
        String evil = "a%00b%01c%7Fd%E2%80%AEfdp.exe";
        String longName = "%C3%A9".repeat(300) + ".txt";
        String body = "--" + B + "\r\nContent-Disposition: form-data; name=\"f\"; filename*=UTF-8''" + evil + "\r\n\r\nx\r\n--" + B
                + "\r\nContent-Disposition: form-data; name=\"g\"; filename*=UTF-8''" + longName + "\r\n\r\nx\r\n--" + B + "--";
        try (Multipart.Form form = Multipart.defaults().form(request(body))) {
            assertEquals("abcdfdp.exe", form.file("f").orElseThrow().filename().orElseThrow(), "NUL, controls and RLO removed");
            assertEquals("a\u0000b\u0001c\u007Fd\u202Efdp.exe", form.file("f").orElseThrow().untrustedFilename().orElseThrow());
            String bounded = form.file("g").orElseThrow().filename().orElseThrow();
            assertTrue(bounded.getBytes(UTF_8).length <= 255, bounded.getBytes(UTF_8).length + " bytes");
            assertTrue(bounded.getBytes(UTF_8).length >= 250);
            assertTrue(bounded.endsWith("\u00e9.txt"), "the extension is kept, no character is cut: " + bounded);
        }
    }

    @Test
    void largePartsGoToTemporaryFilesNotNamedAfterTheClient() throws IOException {
        Multipart multipart = Multipart.builder().memoryThreshold(1000).tempDirectory(temp).build();
        String body = "--" + B + "\r\nContent-Disposition: form-data; name=\"big\"; filename=\"../../evil.sh\"\r\n\r\n"
                + "y".repeat(5000) + "\r\n--" + B + "\r\nContent-Disposition: form-data; name=\"small\"\r\n\r\n"
                + "z".repeat(1000) + "\r\n--" + B + "--";
        Path file;
        try (Multipart.Form form = multipart.form(request(body))) {
            Multipart.FormPart big = form.file("big").orElseThrow();
            file = big.path().orElseThrow();
            assertEquals(temp, file.getParent());
            assertTrue(file.getFileName().toString().startsWith("ferry-upload-"), file.toString());
            assertFalse(file.toString().contains("evil"), file.toString());
            if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
                assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            }
            assertEquals(5000, Files.size(file));
            assertEquals(5000, big.size());
            assertEquals("y".repeat(5000), big.text());
            assertTrue(big.body() instanceof Body.File);
            assertTrue(form.part("small").orElseThrow().path().isEmpty(), "at the threshold it stays in memory");
            assertEquals(List.of(file), list(temp));
        }
        assertFalse(Files.exists(file));
        assertEquals(List.of(), list(temp));
    }

    @Test
    void moveToKeepsTheFile() throws IOException {
        Multipart multipart = Multipart.builder().memoryThreshold(10).tempDirectory(temp).build();
        Path kept = temp.resolve("kept");
        Files.createDirectory(kept);
        try (Multipart.Form form = multipart.form(request(parts(2, 50)))) {
            form.file("f0").orElseThrow().moveTo(kept.resolve(form.file("f0").orElseThrow().filename().orElseThrow()));
            assertEquals(kept.resolve("f0.bin"), form.file("f0").orElseThrow().path().orElseThrow());
            assertThrows(java.nio.file.FileAlreadyExistsException.class,
                    () -> form.file("f1").orElseThrow().moveTo(kept.resolve("f0.bin")));
        }
        assertEquals(List.of(kept), list(temp), "the moved file stays, the other temporary file is gone");
        assertEquals("x".repeat(50), Files.readString(kept.resolve("f0.bin")));
    }

    @Test
    void aFailureMidwayLeavesNoTemporaryFile() {
        Multipart multipart = Multipart.builder().memoryThreshold(10).maxPartSize(1000).tempDirectory(temp).build();
        // two parts spilled to files, then a third too large
        String body = parts(2, 500).replace("--" + B + "--\r\n", "") + parts(1, 2000);
        assertEquals(413, refused(multipart, request(body)).status().code());
        assertEquals(List.of(), list(temp));
        String truncated = parts(3, 500).substring(0, 1200);
        assertEquals(400, refused(multipart, request(truncated)).status().code());
        assertEquals(List.of(), list(temp));
    }

    @Test
    void aClientThatGoesAwayLeavesNoTemporaryFile() {
        Multipart multipart = Multipart.builder().memoryThreshold(10).tempDirectory(temp).build();
        byte[] whole = parts(3, 50_000).getBytes(ISO_8859_1);
        InputStream cut = new InputStream() {
            int at;

            @Override
            public int read() throws IOException {
                if (at == 120_000) {
                    throw new java.net.SocketException("Connection reset");
                }
                return whole[at++] & 0xFF;
            }
        };
        Request request = Request.builder().method(Method.POST).target("/")
                .headers(Headers.of("Content-Type", "multipart/form-data; boundary=" + B)).body(Body.of(cut)).build();
        assertThrows(java.net.SocketException.class, () -> multipart.form(request));
        assertEquals(List.of(), list(temp));
    }

    @Test
    void theCleanupFilterDeletesFilesWhenTheHandlerReturnsOrThrows() throws Exception {
        Multipart multipart = Multipart.builder().memoryThreshold(10).tempDirectory(temp).build();
        List<Path> seen = new ArrayList<>();
        Handler returns = Multipart.cleanup().then((Handler) request -> {
            Multipart.Form form = multipart.form(request);
            seen.add(form.file("f0").orElseThrow().path().orElseThrow());
            assertEquals(2, list(temp).size());
            return Response.text("ok");
        });
        assertEquals(200, returns.handle(request(parts(2, 100))).status().code());
        assertEquals(List.of(), list(temp));
        Handler throwsAfter = Multipart.cleanup().then((Handler) request -> {
            multipart.form(request);
            throw new IllegalStateException("the handler fails");
        });
        // a filter turns what its handler throws into a response: here the generic 500
        assertEquals(500, throwsAfter.handle(request(parts(2, 100))).status().code());
        assertEquals(List.of(), list(temp));
        assertEquals(1, seen.size());
    }

    @Test
    void theCleanupFilterAlsoDeletesFilesOfAFormReadOnAnotherThread() throws Exception {
        Multipart multipart = Multipart.builder().memoryThreshold(10).tempDirectory(temp).build();
        Handler elsewhere = Multipart.cleanup().then((Handler) request -> {
            java.util.concurrent.FutureTask<Multipart.Form> read = new java.util.concurrent.FutureTask<>(() -> multipart.form(request));
            Thread.ofVirtual().start(read).join();
            assertEquals(2, read.get().parts().size());
            assertEquals(2, list(temp).size());
            return Response.text("ok");
        });
        assertEquals(200, elsewhere.handle(request(parts(2, 100))).status().code());
        assertEquals(List.of(), list(temp));
    }

    @Test
    void nearBoundariesEverywhereParseToTheSameBytes() throws IOException {
        // content made of delimiter prefixes: the worst case for a naive search, parsed in one pass
        String near = "\r\n--" + B.substring(0, B.length() - 1);
        String content = near.repeat(100_000);
        String body = "--" + B + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"n\"\r\n\r\n" + content + "\r\n--" + B + "--";
        Multipart multipart = Multipart.builder().memoryThreshold(Integer.MAX_VALUE).build();
        try (Multipart.Form form = multipart.form(streaming(body.getBytes(ISO_8859_1)))) {
            assertEquals(content.length(), form.file("f").orElseThrow().size());
            assertEquals(content, form.file("f").orElseThrow().text());
        }
    }

    @Test
    void readsOneByteAtATimeAsWellAsAllAtOnce() throws IOException {
        byte[] body = FORM.getBytes(ISO_8859_1);
        Random random = new Random(7);
        for (int round = 0; round < 50; round++) {
            InputStream dribble = new Dribble(body, random, 1 + round % 5);
            Request request = Request.builder().method(Method.POST).target("/")
                    .headers(Headers.of("Content-Type", "multipart/form-data; boundary=" + B)).body(Body.of(dribble)).build();
            try (Multipart.Form form = Multipart.defaults().form(request)) {
                assertEquals(List.of("sea", "sun"), form.fields("tags"));
                assertEquals(39, form.file("photo").orElseThrow().size());
            }
        }
    }

    @Test
    void builderRefusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> Multipart.builder().maxParts(0));
        assertThrows(IllegalArgumentException.class, () -> Multipart.builder().maxPartSize(-1));
        assertThrows(IllegalArgumentException.class, () -> Multipart.builder().maxPartHeaderBytes(10));
        assertThrows(IllegalArgumentException.class, () -> Multipart.builder().memoryThreshold(-1));
        Multipart custom = Multipart.defaults().toBuilder().maxParts(7).build();
        assertEquals(7, custom.maxParts());
        assertEquals(Multipart.DEFAULT_MAX_PART_HEADER_BYTES, custom.maxPartHeaderBytes());
        assertNull(custom.tempDirectory().orElse(null));
    }

    static List<Path> list(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Hands out the body in reads of 1 to max bytes. */
    static final class Dribble extends InputStream {
        private final byte[] body;
        private final Random random;
        private final int max;
        private int at;

        Dribble(byte[] body, Random random, int max) {
            this.body = body;
            this.random = random;
            this.max = max;
        }

        @Override
        public int read() {
            return at == body.length ? -1 : body[at++] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (at == body.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, 1 + random.nextInt(max)), body.length - at);
            System.arraycopy(body, at, b, off, n);
            at += n;
            return n;
        }
    }
}
