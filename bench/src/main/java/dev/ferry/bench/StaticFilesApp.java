package dev.ferry.bench;

import dev.ferry.Response;
import dev.ferry.StaticFiles;
import dev.ferry.routing.Router;
import dev.ferry.server.Ferry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Ferry app that serves a directory under {@code /static} with {@link StaticFiles} (and
 * {@code /plaintext}, which the harness polls until the server is up), on whichever server
 * {@code ferry.server} names. The directory is {@code -Dbench.static.dir}, or a new temporary one
 * holding {@link #FILE}, {@link #SIZE} bytes made by {@link #create(Path)}.
 */
public final class StaticFilesApp {

    /** The name of the file the benchmarks load. */
    public static final String FILE = "file.bin";
    /** Its size: 1 MiB. */
    public static final int SIZE = 1024 * 1024;

    private StaticFilesApp() {
    }

    /** Serves the directory. */
    public static void main(String[] args) throws IOException {
        Path dir = directory();
        Ferry.serve("static-files", Router.builder()
                .get("/plaintext", request -> Response.text("Hello, World!"))
                .mount("/static", StaticFiles.directory(dir))
                .build());
    }

    /** Returns the directory to serve: {@code bench.static.dir}, or a new one with the benchmark file. */
    static Path directory() throws IOException {
        String configured = System.getProperty("bench.static.dir");
        if (configured != null) {
            return Path.of(configured);
        }
        Path dir = Files.createTempDirectory("ferry-bench-static-");
        create(dir);
        return dir;
    }

    /** Writes the benchmark file, the same bytes every time, into the directory. */
    public static void create(Path dir) throws IOException {
        byte[] content = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            content[i] = (byte) (i * 31 + (i >>> 10));
        }
        Path file = dir.resolve(FILE);
        Files.write(file, content);
        file.toFile().deleteOnExit();
        dir.toFile().deleteOnExit();
    }
}
