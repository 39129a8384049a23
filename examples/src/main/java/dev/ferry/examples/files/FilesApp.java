package dev.ferry.examples.files;

import dev.ferry.Handler;
import dev.ferry.Response;
import dev.ferry.StaticFiles;
import dev.ferry.routing.Router;
import dev.ferry.server.Ferry;
import java.nio.file.Path;

/**
 * Static files: the site bundled in the jar under {@code /static} at {@code /}, a directory of the
 * file system at {@code /files}, with a long cache for fingerprinted names, and an API route beside
 * them.
 */
public final class FilesApp {

    private FilesApp() {
    }

    /** Returns the app serving the class-path site and the files below {@code directory}. */
    public static Handler app(Path directory) {
        return Router.builder()
                .get("/api/time", request -> Response.text(java.time.Instant.now().toString()))
                .mount("/site", StaticFiles.classpath("/static"))
                .mount("/files", StaticFiles.builder()
                        .directory(directory)
                        .cacheControl(path -> path.matches(".*\\.[0-9a-f]{8,}\\.(js|css)") ? StaticFiles.IMMUTABLE : "no-cache")
                        .build())
                .build();
    }

    /** Serves the app, with the directory named by the first argument (the working directory by default). */
    public static void main(String[] args) {
        Ferry.serve("files", app(Path.of(args.length > 0 ? args[0] : ".")));
    }
}
