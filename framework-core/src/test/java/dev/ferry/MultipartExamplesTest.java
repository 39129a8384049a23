package dev.ferry;

import dev.ferry.routing.Router;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The examples of docs-multipart.md, compiled and run. */
class MultipartExamplesTest {

    @TempDir
    Path uploads;

    static final String B = "b0undary";

    static Request upload(String target, String body) {
        return Request.builder().method(Method.POST).target(target)
                .headers(Headers.of("Content-Type", "multipart/form-data; boundary=" + B))
                .body(Body.of(body)).build();
    }

    static final String FORM = "--" + B + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nSunset\r\n"
            + "--" + B + "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"../../sunset.jpg\"\r\n"
            + "Content-Type: image/jpeg\r\n\r\nJPEGDATA\r\n--" + B + "--\r\n";

    // --- example: collect the form, keep the file
    Handler photos(Path uploads) {
        Multipart multipart = Multipart.builder()
                .maxParts(10)                       // 413 beyond
                .maxPartSize(20 * 1024 * 1024)      // 413 beyond
                .memoryThreshold(64 * 1024)         // larger parts go to temporary files
                .build();
        return Multipart.cleanup().then(Router.builder()
                .post("/photos", request -> {
                    Multipart.Form form = multipart.form(request);
                    String title = form.field("title").orElse("untitled");
                    Multipart.FormPart photo = form.file("photo")
                            .orElseThrow(() -> new HttpException(Status.BAD_REQUEST, "Bad Request: no photo"));
                    // filename() is safe as one path segment; prefix it so that clients cannot collide
                    Path target = uploads.resolve(UUID.randomUUID() + "-" + photo.filename().orElse("photo"));
                    photo.moveTo(target);
                    return Response.text("saved " + title + ": " + photo.size() + " bytes as " + target.getFileName());
                })
                .build());
    }
    // ---

    // --- example: without the filter, close the form
    static Response describe(Request request) throws IOException {
        try (Multipart.Form form = Multipart.defaults().form(request)) {
            StringBuilder out = new StringBuilder();
            for (Multipart.FormPart part : form.parts()) {
                out.append(part.name()).append(part.isFile() ? " file " + part.filename().orElse("") : " field")
                        .append(", ").append(part.size()).append(" bytes\n");
            }
            return Response.text(out.toString());
        }
    }
    // ---

    // --- example: stream the parts
    static Response checksums(Request request) throws Exception {
        StringBuilder out = new StringBuilder();
        Multipart.defaults().each(request, part -> {
            if (part.isFile()) {
                MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
                try (InputStream in = part.stream()) {   // read it before the next part
                    byte[] buffer = new byte[8192];
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        sha256.update(buffer, 0, n);
                    }
                }
                out.append(part.filename().orElse("")).append(' ')
                        .append(HexFormat.of().formatHex(sha256.digest())).append('\n');
            } else {
                out.append(part.name()).append('=').append(part.text()).append('\n');
            }
        });
        return Response.text(out.toString());
    }
    // ---

    // --- example: a loop over the parts
    static Response names(Request request) throws IOException {
        StringBuilder out = new StringBuilder();
        try (Multipart.Reader parts = Multipart.defaults().reader(request)) {
            Multipart.Part part;
            while ((part = parts.next()) != null) {
                out.append(part.name()).append('\n');   // unread content is skipped
            }
        }
        return Response.text(out.toString());
    }
    // ---

    @Test
    void photosSavesTheFileUnderASafeName() throws IOException {
        Response response = TestClient.of(photos(uploads)).send(upload("/photos", FORM));
        assertEquals(200, response.status().code());
        List<Path> saved;
        try (var files = Files.list(uploads)) {
            saved = files.toList();
        }
        assertEquals(1, saved.size());
        assertTrue(saved.get(0).getFileName().toString().endsWith("-sunset.jpg"), saved.toString());
        assertEquals("JPEGDATA", Files.readString(saved.get(0)));
        assertTrue(response.body().text().startsWith("saved Sunset: 8 bytes as "), response.body().text());
    }

    @Test
    void theOtherExamplesAnswer() throws Exception {
        assertEquals("title field, 6 bytes\nphoto file sunset.jpg, 8 bytes\n", describe(upload("/", FORM)).body().text());
        assertEquals("title=Sunset\nsunset.jpg " + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest("JPEGDATA".getBytes())) + "\n",
                checksums(upload("/", FORM)).body().text());
        assertEquals("title\nphoto\n", names(upload("/", FORM)).body().text());
    }
}
