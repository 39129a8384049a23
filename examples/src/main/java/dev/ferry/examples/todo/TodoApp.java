package dev.ferry.examples.todo;

import dev.ferry.Compression;
import dev.ferry.Cors;
import dev.ferry.ErrorRenderer;
import dev.ferry.Errors;
import dev.ferry.Handler;
import dev.ferry.HttpException;
import dev.ferry.Method;
import dev.ferry.Multipart;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.Sse;
import dev.ferry.StaticFiles;
import dev.ferry.Status;
import dev.ferry.examples.todo.TodoStore.Attachment;
import dev.ferry.examples.todo.TodoStore.Change;
import dev.ferry.examples.todo.TodoStore.Todo;
import dev.ferry.json.Json;
import dev.ferry.routing.Router;
import dev.ferry.server.Ferry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A todo app: a JSON API, a page that shows the list and follows it live over Server-Sent Events,
 * file attachments uploaded as multipart forms, CORS for a second origin, gzip for what compresses.
 *
 * <pre>
 * GET    /                                  the page (static files from the class path)
 * GET    /api/todos                         every todo
 * POST   /api/todos                         {"title": "..."}: 201 with the todo and its Location
 * GET    /api/todos/{id}                    one todo
 * PATCH  /api/todos/{id}                    {"title": "...", "done": true}: either or both
 * DELETE /api/todos/{id}                    204
 * POST   /api/todos/{id}/attachments        multipart/form-data, each file part attached
 * GET    /files/{id}/{name}                 an attached file
 * GET    /api/events                        text/event-stream: snapshot, todo and deleted events
 * </pre>
 */
public final class TodoApp {

    /** The longest title a todo may have, in characters. */
    static final int MAX_TITLE = 200;

    private static final Json JSON = Json.create();
    private static final StaticFiles PAGE = StaticFiles.classpath("/dev/ferry/examples/todo/static");
    private static final Multipart UPLOADS = Multipart.builder().maxParts(10).maxPartSize(16L * 1024 * 1024).build();

    private TodoApp() {
    }

    /** What a client sends to create or change a todo. */
    record TodoInput(String title, Boolean done) {
    }

    /**
     * Returns the app over this store, keeping attachments under {@code files}, answering CORS requests
     * from these origins.
     */
    public static Handler app(TodoStore store, Path files, List<String> corsOrigins, Duration heartbeat) {
        Router api = Router.builder()
                .get("/api/todos", request -> JSON.response(store.all()))
                .post("/api/todos", request -> {
                    Todo todo = store.add(title(JSON.read(request, TodoInput.class).title()));
                    return JSON.response(Status.CREATED, todo).withHeader("Location", "/api/todos/" + todo.id());
                })
                .get("/api/todos/{id}", request -> JSON.response(found(store.find(id(request)))))
                .patch("/api/todos/{id}", request -> {
                    TodoInput input = JSON.read(request, TodoInput.class);
                    String title = input.title() == null ? null : title(input.title());
                    return JSON.response(found(store.update(id(request), title, input.done())));
                })
                .delete("/api/todos/{id}", request -> {
                    if (!store.delete(id(request))) {
                        throw new HttpException(Status.NOT_FOUND, "No such todo");
                    }
                    return Response.of(Status.NO_CONTENT);
                })
                .post("/api/todos/{id}/attachments", request -> {
                    long id = id(request);
                    found(store.find(id));
                    return JSON.response(Status.CREATED, found(store.attach(id, receive(request, files.resolve(Long.toString(id))))));
                })
                .get("/api/events", request -> events(store, request, heartbeat))
                .mount("/files", StaticFiles.builder().directory(files).cacheControl("private, no-cache").build())
                .get("/", PAGE)
                .get("/{file...}", PAGE)
                .build();
        Cors cors = Cors.builder().allowOrigins(corsOrigins.toArray(String[]::new))
                .allowMethods(Method.GET, Method.POST, Method.PATCH, Method.DELETE)
                .allowHeaders("Content-Type", "Last-Event-ID").exposeHeaders("Location").maxAge(Duration.ofMinutes(10))
                .build();
        Errors errors = Errors.builder().renderer(ErrorRenderer.json()).build();
        return cors.then(Compression.gzip()).then(errors).then(api);
    }

    private static Response events(TodoStore store, Request request, Duration heartbeat) {
        long lastSeen = request.header("Last-Event-ID").map(TodoApp::sequence).orElse(-1L);
        return Sse.stream(request, heartbeat, events -> {
            try (TodoStore.Subscription changes = store.subscribe(lastSeen)) {
                if (changes.snapshotFirst()) {
                    events.send(Sse.event().id(Long.toString(store.sequence())).name("snapshot")
                            .data(JSON.mapper().writeValueAsString(store.all())));
                }
                while (events.isOpen() && !changes.overrun()) {
                    Optional<Change> change = changes.next(Duration.ofSeconds(1));
                    if (change.isPresent()) {
                        Change c = change.get();
                        events.send(Sse.event().id(Long.toString(c.sequence())).name(c.deleted() ? "deleted" : "todo")
                                .data(JSON.mapper().writeValueAsString(c.deleted() ? new Deleted(c.todo().id()) : c.todo())));
                    }
                }
            }
        });
    }

    /** The data of a {@code deleted} event. */
    record Deleted(long id) {
    }

    private static long sequence(String lastEventId) {
        try {
            return Long.parseLong(lastEventId.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static List<Attachment> receive(Request request, Path directory) throws Exception {
        Files.createDirectories(directory);
        List<Attachment> received = new ArrayList<>();
        UPLOADS.each(request, part -> {
            if (!part.isFile()) {
                return;
            }
            String name = part.filename().filter(n -> !n.isBlank()).orElse("upload");
            Path target = directory.resolve(name);
            MessageDigest sha256 = sha256();
            long size;
            try (InputStream in = part.stream();
                    OutputStream out = new DigestOutputStream(Files.newOutputStream(target, StandardOpenOption.CREATE,
                            StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), sha256)) {
                size = in.transferTo(out);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(target);
                throw e;
            }
            received.add(new Attachment(name, size, HexFormat.of().formatHex(sha256.digest())));
        });
        if (received.isEmpty()) {
            throw new HttpException(Status.BAD_REQUEST, "No file in the form");
        }
        return received;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long id(Request request) {
        try {
            return Long.parseLong(request.pathParam("id"));
        } catch (NumberFormatException e) {
            throw new HttpException(Status.NOT_FOUND, "No such todo");
        }
    }

    private static <T> T found(Optional<T> value) {
        return value.orElseThrow(() -> new HttpException(Status.NOT_FOUND, "No such todo"));
    }

    private static String title(String title) {
        String trimmed = title == null ? "" : title.strip();
        if (trimmed.isEmpty() || trimmed.length() > MAX_TITLE) {
            throw new HttpException(Status.BAD_REQUEST, "A title needs 1 to " + MAX_TITLE + " characters");
        }
        return trimmed;
    }

    /**
     * Runs the app. Attachments go to {@code todo.files} (a new temporary directory by default); the
     * second origin allowed by CORS is {@code todo.cors-origin} (default {@code http://localhost:5173}).
     */
    public static void main(String[] args) {
        try {
            Path files = System.getProperty("todo.files") == null ? Files.createTempDirectory("ferry-todo-")
                    : Files.createDirectories(Path.of(System.getProperty("todo.files")));
            String origin = System.getProperty("todo.cors-origin", "http://localhost:5173");
            Ferry.serve("todo", app(new TodoStore(), files, List.of(origin), Sse.DEFAULT_HEARTBEAT));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
