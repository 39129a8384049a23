package dev.ferry.examples.todo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.Ferry;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.ServerProvider;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The todo example on every server on the class path, through the JDK's HTTP client: the JSON API,
 * live updates over Server-Sent Events, an upload, CORS for the second origin and gzip.
 */
class TodoServersTest {

    static final String ORIGIN = "http://localhost:5173";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static Stream<ServerProvider> servers() {
        return Ferry.installed().stream();
    }

    static Server start(ServerProvider provider, Path files) {
        return provider.start(TodoApp.app(new TodoStore(), files, List.of(ORIGIN), Duration.ofSeconds(1)),
                ServerConfig.builder().host("127.0.0.1").port(0).maxRequestBody(8L * 1024 * 1024).build());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder json(URI uri, String method, String body) {
        return HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").header("Accept", "application/json");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void jsonApiOnEveryServer(ServerProvider provider, @TempDir Path files) throws Exception {
        try (Server server = start(provider, files)) {
            URI base = URI.create("http://127.0.0.1:" + server.port());
            HttpResponse<String> created = send(json(base.resolve("/api/todos"), "POST", "{\"title\":\"  Buy milk \"}"));
            assertEquals(201, created.statusCode(), created.body());
            JsonNode todo = JSON.readTree(created.body());
            assertEquals("Buy milk", todo.get("title").asText());
            assertEquals("/api/todos/" + todo.get("id").asLong(), created.headers().firstValue("Location").orElseThrow());

            HttpResponse<String> done = send(json(base.resolve("/api/todos/" + todo.get("id").asLong()), "PATCH", "{\"done\":true}"));
            assertEquals(200, done.statusCode(), done.body());
            assertTrue(JSON.readTree(done.body()).get("done").asBoolean());
            assertEquals(1, JSON.readTree(send(HttpRequest.newBuilder(base.resolve("/api/todos"))).body()).size());

            HttpResponse<String> empty = send(json(base.resolve("/api/todos"), "POST", "{\"title\":\"\"}"));
            assertEquals(400, empty.statusCode());
            assertEquals("application/json", empty.headers().firstValue("Content-Type").orElseThrow().split(";")[0]);
            assertTrue(JSON.readTree(empty.body()).get("message").asText().contains("title"), empty.body());
            HttpResponse<String> malformed = send(json(base.resolve("/api/todos"), "POST", "{\"title\":"));
            assertEquals(400, malformed.statusCode(), malformed.body());
            HttpResponse<String> text = send(HttpRequest.newBuilder(base.resolve("/api/todos"))
                    .POST(HttpRequest.BodyPublishers.ofString("title")).header("Content-Type", "text/plain")
                    .header("Accept", "application/json"));
            assertEquals(415, text.statusCode(), text.body());
            HttpResponse<String> missing = send(json(base.resolve("/api/todos/999"), "PATCH", "{\"done\":true}"));
            assertEquals(404, missing.statusCode());
            assertEquals(404, JSON.readTree(missing.body()).get("status").asInt());

            assertEquals(204, send(HttpRequest.newBuilder(base.resolve("/api/todos/" + todo.get("id").asLong())).DELETE()).statusCode());
            assertEquals("[]", send(HttpRequest.newBuilder(base.resolve("/api/todos"))).body());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void liveUpdatesArriveOverServerSentEvents(ServerProvider provider, @TempDir Path files) throws Exception {
        try (Server server = start(provider, files)) {
            URI base = URI.create("http://127.0.0.1:" + server.port());
            BlockingQueue<String> lines = new ArrayBlockingQueue<>(1000);
            HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(base.resolve("/api/events"))
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, stream.statusCode());
            assertEquals("text/event-stream", stream.headers().firstValue("Content-Type").orElseThrow().split(";")[0]);
            Thread reader = Thread.ofVirtual().start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        lines.put(line);
                    }
                } catch (Exception e) {
                    // the stream ends when the test closes it
                }
            });
            try {
                assertEquals("event: snapshot", next(lines, "event:"));
                assertEquals("data: []", next(lines, "data:"));
                send(json(base.resolve("/api/todos"), "POST", "{\"title\":\"Walk the dog\"}"));
                assertEquals("id: 1", next(lines, "id:"));
                assertEquals("event: todo", next(lines, "event:"));
                assertTrue(next(lines, "data:").contains("\"Walk the dog\""));
                send(json(base.resolve("/api/todos"), "POST", "{\"title\":\"Second\"}"));
                assertEquals("id: 2", next(lines, "id:"));
            } finally {
                stream.body().close();
                reader.interrupt();
            }
            // a page that reconnects with the last id it saw gets what it missed, not a snapshot
            send(json(base.resolve("/api/todos"), "POST", "{\"title\":\"Missed\"}"));
            HttpResponse<InputStream> resumed = http.send(HttpRequest.newBuilder(base.resolve("/api/events"))
                    .header("Last-Event-ID", "2").build(), HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(resumed.body(), StandardCharsets.UTF_8))) {
                String line = in.readLine();
                while (!line.startsWith("data:")) {
                    assertTrue(!line.equals("event: snapshot"), "a known id replays, it does not start over");
                    line = in.readLine();
                }
                assertTrue(line.contains("\"Missed\""), line);
            }
        }
    }

    private static String next(BlockingQueue<String> lines, String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null && line.startsWith(prefix)) {
                return line;
            }
        }
        throw new AssertionError("no line starting with '" + prefix + "' within 10 s");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void uploadCorsAndGzip(ServerProvider provider, @TempDir Path files) throws Exception {
        try (Server server = start(provider, files)) {
            URI base = URI.create("http://127.0.0.1:" + server.port());
            long id = JSON.readTree(send(json(base.resolve("/api/todos"), "POST", "{\"title\":\"Taxes\"}")).body()).get("id").asLong();

            byte[] file = new byte[300_000];
            new java.util.Random(7).nextBytes(file);
            String boundary = "ferry-todo-boundary";
            ByteArrayOutputStream form = new ByteArrayOutputStream();
            form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../receipt.bin\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            form.writeBytes(file);
            form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
            HttpResponse<String> uploaded = send(HttpRequest.newBuilder(base.resolve("/api/todos/" + id + "/attachments"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(form.toByteArray()))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary));
            assertEquals(201, uploaded.statusCode(), uploaded.body());
            JsonNode attachment = JSON.readTree(uploaded.body()).get("attachments").get(0);
            assertEquals("receipt.bin", attachment.get("name").asText(), "the client's directories are dropped");
            assertEquals(file.length, attachment.get("size").asLong());
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file)), attachment.get("sha256").asText());
            try (Stream<Path> stored = Files.walk(files)) {
                assertEquals(List.of(files.resolve(id + "/receipt.bin")), stored.filter(Files::isRegularFile).toList());
            }
            HttpResponse<byte[]> back = http.send(HttpRequest.newBuilder(base.resolve("/files/" + id + "/receipt.bin")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, back.statusCode());
            assertTrue(java.util.Arrays.equals(file, back.body()));

            HttpResponse<String> preflight = send(HttpRequest.newBuilder(base.resolve("/api/todos"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", ORIGIN)
                    .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "content-type"));
            assertEquals(204, preflight.statusCode());
            assertEquals(ORIGIN, preflight.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
            HttpResponse<String> foreign = send(HttpRequest.newBuilder(base.resolve("/api/todos"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "http://evil.example")
                    .header("Access-Control-Request-Method", "DELETE"));
            assertTrue(foreign.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), foreign.headers().toString());

            for (int i = 0; i < 40; i++) {
                send(json(base.resolve("/api/todos"), "POST", "{\"title\":\"Todo number " + i + " with some words\"}"));
            }
            HttpResponse<byte[]> zipped = http.send(HttpRequest.newBuilder(base.resolve("/api/todos"))
                    .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals("gzip", zipped.headers().firstValue("Content-Encoding").orElseThrow());
            JsonNode all = JSON.readTree(new GZIPInputStream(new java.io.ByteArrayInputStream(zipped.body())));
            assertEquals(41, all.size());
            HttpResponse<String> page = send(HttpRequest.newBuilder(base.resolve("/")));
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<title>Ferry todos</title>"));
        }
    }
}
