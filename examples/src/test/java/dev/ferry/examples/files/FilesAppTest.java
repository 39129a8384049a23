package dev.ferry.examples.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.Response;
import dev.ferry.StaticFiles;
import dev.ferry.TestClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The static-files example, through the engine in memory. */
class FilesAppTest {

    @TempDir
    Path dir;

    @Test
    void classPathSiteAndFingerprintedFiles() throws Exception {
        Files.writeString(dir.resolve("app.0123abcd.js"), "console.log('v1')");
        Files.writeString(dir.resolve("notes.txt"), "notes");
        TestClient client = TestClient.of(FilesApp.app(dir));

        assertEquals("/site/", client.get("/site").headers().firstOrNull("Location"));
        Response index = client.get("/site/");
        assertTrue(index.body().text().contains("Served from the class path"));
        assertEquals("text/html; charset=utf-8", index.headers().firstOrNull("Content-Type"));
        assertEquals("text/css; charset=utf-8", client.get("/site/app.css").headers().firstOrNull("Content-Type"));

        Response fingerprinted = client.get("/files/app.0123abcd.js");
        assertEquals("console.log('v1')", fingerprinted.body().text());
        assertEquals(StaticFiles.IMMUTABLE, fingerprinted.headers().firstOrNull("Cache-Control"));
        assertEquals("no-cache", client.get("/files/notes.txt").headers().firstOrNull("Cache-Control"));
        assertEquals(404, client.get("/files/missing.txt").status().code());
    }
}
