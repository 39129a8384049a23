package dev.ferry.examples.todo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A headless Chromium driven through the DevTools protocol over its WebSocket: it opens a page, types
 * and presses keys as a user would, evaluates expressions, and collects what the page logged as errors.
 * Found on the path as {@code chromium}, {@code chromium-browser} or {@code google-chrome}.
 */
final class Chromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());

    private Chromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /** Returns the name of an installed Chromium on the path, or null. */
    static String installed() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                if (Files.isExecutable(Path.of(dir, name))) {
                    return Path.of(dir, name).toString();
                }
            }
        }
        return null;
    }

    /** Starts the browser on this page and attaches to it. */
    static Chromium open(String executable, URI page) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("ferry-chromium-");
        Process process = new ProcessBuilder(executable, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
                "--user-data-dir=" + profile, page.toString())
                .redirectErrorStream(true).redirectOutput(profile.resolveSibling(profile.getFileName() + ".log").toFile())
                .start();
        try {
            int port = devToolsPort(profile, process);
            HttpClient http = HttpClient.newHttpClient();
            String pageSocket = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (pageSocket == null && System.nanoTime() < deadline) {
                String targets = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
                for (JsonNode target : JSON.readTree(targets)) {
                    if (target.path("type").asText().equals("page")) {
                        pageSocket = target.path("webSocketDebuggerUrl").asText();
                    }
                }
                if (pageSocket == null) {
                    Thread.sleep(100);
                }
            }
            if (pageSocket == null) {
                throw new IOException("Chromium opened no page within 20 s");
            }
            Chromium[] self = new Chromium[1];
            CompletableFuture<WebSocket> connected = new CompletableFuture<>();
            WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket), new WebSocket.Listener() {
                private final StringBuilder text = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                    text.append(data);
                    if (last) {
                        String message = text.toString();
                        text.setLength(0);
                        connected.thenAccept(ignored -> self[0].received(message));
                    }
                    webSocket.request(1);
                    return null;
                }
            }).join();
            self[0] = new Chromium(process, profile, socket);
            connected.complete(socket);
            self[0].call("Runtime.enable", JSON.createObjectNode());
            self[0].call("Page.enable", JSON.createObjectNode());
            return self[0];
        } catch (IOException | InterruptedException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    private static int devToolsPort(Path profile, Process process) throws IOException, InterruptedException {
        Path file = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file);
                if (!lines.isEmpty() && !lines.get(0).isBlank()) {
                    return Integer.parseInt(lines.get(0).strip());
                }
            }
            if (!process.isAlive()) {
                throw new IOException("Chromium exited with " + process.exitValue() + " before it listened");
            }
            Thread.sleep(50);
        }
        throw new IOException("Chromium wrote no DevToolsActivePort within 30 s");
    }

    private void received(String message) {
        try {
            JsonNode node = JSON.readTree(message);
            if (node.has("id")) {
                CompletableFuture<JsonNode> call = calls.remove(node.get("id").asInt());
                if (call != null) {
                    if (node.has("error")) {
                        call.completeExceptionally(new IOException("DevTools error: " + node.get("error")));
                    } else {
                        call.complete(node.path("result"));
                    }
                }
                return;
            }
            String method = node.path("method").asText();
            if (method.equals("Runtime.exceptionThrown")) {
                errors.add(node.path("params").path("exceptionDetails").toString());
            } else if (method.equals("Runtime.consoleAPICalled")
                    && node.path("params").path("type").asText().equals("error")) {
                errors.add(node.path("params").path("args").toString());
            }
        } catch (IOException e) {
            errors.add("unreadable DevTools message: " + message);
        }
    }

    /** Sends one DevTools command and waits for its result. */
    JsonNode call(String method, ObjectNode params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        calls.put(id, result);
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", params);
        socket.sendText(message.toString(), true).join();
        return result.orTimeout(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }

    /** Evaluates a JavaScript expression in the page, awaiting a promise, and returns its value. */
    JsonNode evaluate(String expression) {
        JsonNode result = call("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
                .put("returnByValue", true).put("awaitPromise", true));
        if (result.has("exceptionDetails")) {
            throw new AssertionError("the page threw evaluating " + expression + ": " + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /**
     * Evaluates the expression until its value passes the test, and returns that value; an expression that
     * throws (the page is still loading) counts as not passing yet.
     */
    JsonNode await(String expression, Predicate<JsonNode> test, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object last;
        while (true) {
            try {
                JsonNode value = evaluate(expression);
                if (test.test(value)) {
                    return value;
                }
                last = value;
            } catch (AssertionError e) {
                last = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("after " + timeout + ", " + expression + " is still " + last);
            }
            Thread.sleep(50);
        }
    }

    /** Types text into the focused element, as the keyboard would. */
    void type(String text) {
        call("Input.insertText", JSON.createObjectNode().put("text", text));
    }

    /** Presses and releases Enter on the focused element. */
    void pressEnter() {
        for (String type : List.of("keyDown", "keyUp")) {
            ObjectNode key = JSON.createObjectNode().put("type", type).put("key", "Enter").put("code", "Enter")
                    .put("windowsVirtualKeyCode", 13).put("nativeVirtualKeyCode", 13);
            if (type.equals("keyDown")) {
                key.put("text", "\r");
            }
            call("Input.dispatchKeyEvent", key);
        }
    }

    /** Clicks the middle of the element the CSS selector finds, with the mouse. */
    void click(String selector) {
        JsonNode box = evaluate("(() => { const r = document.querySelector(" + JSON.valueToTree(selector)
                + ").getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()");
        for (String type : List.of("mousePressed", "mouseReleased")) {
            call("Input.dispatchMouseEvent", JSON.createObjectNode().put("type", type).put("x", box.get("x").asDouble())
                    .put("y", box.get("y").asDouble()).put("button", "left").put("clickCount", 1));
        }
    }

    /** Returns what the page reported as uncaught exceptions and console errors so far. */
    List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    @Override
    public void close() throws IOException {
        socket.abort();
        // its helper processes can outlive it for a moment and go on writing to the profile
        List<ProcessHandle> helpers = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            for (ProcessHandle helper : helpers) {
                helper.destroyForcibly();
                helper.onExit().get(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // left to the temporary directory's owner
        }
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        Files.deleteIfExists(profile.resolveSibling(profile.getFileName() + ".log"));
    }
}
