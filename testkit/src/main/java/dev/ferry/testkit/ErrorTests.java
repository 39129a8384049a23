package dev.ferry.testkit;

import dev.ferry.ErrorRenderer;
import dev.ferry.Errors;
import dev.ferry.Filter;
import dev.ferry.Handler;
import dev.ferry.HttpException;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.routing.Router;
import dev.ferry.server.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Errors as an app sees them, and the access log: every error (the router's 404 and 405, a 413 the
 * body limit raised inside a parser, an HttpException, a mapped exception, a generic 500) passes back
 * out through the app's filters as a response, JSON when {@code Accept} prefers it; and every request
 * is one escaped line on the {@code dev.ferry.access} logger, in one format on every server.
 */
abstract class ErrorTests extends Tier {

    static final int MAX_BODY = 1024;
    /** One access log line: client, method, target, status, bytes, time. */
    static final Pattern LINE = Pattern.compile("(\\S+) (\\S+) (\\S+) (\\d{3}) (\\d+) (\\d+\\.\\d{3})ms( cut)?");

    private final AtomicInteger ids = new AtomicInteger();
    private final List<String> lines = new CopyOnWriteArrayList<>();
    /** Held here: java.util.logging keeps its loggers only weakly. */
    private final Logger access = Logger.getLogger("dev.ferry.access");
    private final java.util.logging.Handler capture = new java.util.logging.Handler() {
        @Override
        public void publish(LogRecord record) {
            lines.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    ErrorTests(ConformanceSuite suite) {
        super(suite);
    }

    @Override
    ServerConfig config() {
        return base().maxRequestBody(MAX_BODY).accessLog(true).build();
    }

    @Override
    Handler handler() {
        Filter requestId = next -> request -> next.handle(request).withHeader("X-Request-Id", "r" + ids.incrementAndGet());
        Errors errors = Errors.builder()
                .map(NoSuchElementException.class, (e, request) -> Errors.render(request, Status.NOT_FOUND, "No such item"))
                .build();
        Router router = Router.builder()
                .get("/ok", request -> Response.text("ok"))
                .post("/parse", request -> {
                    try {
                        return Response.text(request.body().text());
                    } catch (IOException | RuntimeException e) {
                        // as a JSON library wraps what its input stream throws
                        throw new IllegalArgumentException("cannot parse", new UncheckedIOException(new IOException(e)));
                    }
                })
                .get("/fail", request -> {
                    throw new IllegalStateException("secret detail");
                })
                .get("/item", request -> {
                    throw new NoSuchElementException("item 7");
                })
                .get("/quote", request -> {
                    throw new HttpException(Status.BAD_REQUEST, "bad \"input\"\\ here");
                })
                .build();
        Router json = Router.builder().get("/ok", request -> Response.text("ok")).build();
        return requestId.then(errors).then(Router.builder()
                .mount("/api", Errors.builder().renderer(ErrorRenderer.json()).build().then(json))
                .mount("/app", router)
                .build());
    }

    @BeforeAll
    void captureAccessLog() {
        access.addHandler(capture);
    }

    @AfterAll
    void releaseAccessLog() {
        access.removeHandler(capture);
    }

    @BeforeEach
    void clearLines() {
        lines.clear();
    }

    private static void assertTagged(RawResponse response) {
        assertTrue(response.header("X-Request-Id").orElse("").startsWith("r"),
                "the filter's header should be on the " + response.status() + ": " + response.head());
    }

    @Test
    void notFoundAndMethodNotAllowedPassTheFilters() throws IOException {
        RawResponse missing = exchange(get("/app/nowhere"));
        assertEquals(404, missing.status());
        assertTagged(missing);
        assertEquals("Not Found", missing.text());
        RawResponse outside = exchange(get("/elsewhere"));
        assertEquals(404, outside.status());
        assertTagged(outside);
        RawResponse wrong = exchange(request("DELETE", "/app/ok"));
        assertEquals(405, wrong.status());
        assertTagged(wrong);
        assertEquals("GET, HEAD, OPTIONS", wrong.header("Allow").orElse("missing"));
    }

    @Test
    void aBodyOverTheLimitWrappedByAParserIs413AndPassesTheFilters() throws IOException {
        StringBuilder chunks = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            chunks.append("200\r\n").append("b".repeat(512)).append("\r\n");
        }
        chunks.append("0\r\n\r\n");
        try (RawClient client = connect()) {
            client.send("POST /app/parse HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks);
            RawResponse response = client.readFinal();
            assertEquals(413, response.status(), response.head());
            assertTagged(response);
            assertClosed(client, "after a 413");
        }
        RawResponse within = exchange(post("/app/parse", "small"));
        assertEquals(200, within.status());
        assertEquals("small", within.text());
    }

    @Test
    void aMalformedBodyReadByAParserIs400AndPassesTheFilters() throws IOException {
        try (RawClient client = connect()) {
            client.send("POST /app/parse HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "zz\r\nhello\r\n0\r\n\r\n");
            RawResponse response = client.readFinal();
            assertEquals(400, response.status(), response.head());
            assertTagged(response);
            assertClosed(client, "after a 400");
        }
    }

    @Test
    void a500PassesTheFilters() throws IOException {
        RawResponse response = exchange(get("/app/fail"));
        assertEquals(500, response.status());
        assertTagged(response);
    }

    @Test
    void a500HasNoDetails() throws IOException {
        RawResponse response = exchange(get("/app/fail"));
        assertEquals(500, response.status());
        assertEquals("Internal Server Error", response.text());
        assertFalse(response.text().contains("secret") || response.text().contains("Exception"));
    }

    @Test
    void aMappedExceptionIsItsMappedResponse() throws IOException {
        RawResponse response = exchange(get("/app/item"));
        assertEquals(404, response.status());
        assertTagged(response);
        assertEquals("No such item", response.text());
    }

    @Test
    void errorsAreJsonWhenAcceptPrefersIt() throws IOException {
        RawResponse json = exchange(request("GET", "/app/nowhere", "Accept: text/plain;q=0.5, application/json"));
        assertEquals(404, json.status());
        assertTagged(json);
        assertEquals("application/json", json.header("Content-Type").orElse("missing"));
        assertEquals("{\"status\":404,\"error\":\"Not Found\",\"message\":\"Not Found\"}", json.text());
        RawResponse quoted = exchange(request("GET", "/app/quote", "Accept: application/json"));
        assertEquals(400, quoted.status());
        assertEquals("{\"status\":400,\"error\":\"Bad Request\",\"message\":\"bad \\\"input\\\"\\\\ here\"}", quoted.text());
        RawResponse text = exchange(request("GET", "/app/nowhere", "Accept: application/json;q=0.5, text/plain"));
        assertEquals("text/plain; charset=utf-8", text.header("Content-Type").orElse("missing"));
        assertEquals("Not Found", text.text());
        RawResponse api = exchange(get("/api/nowhere"));
        assertEquals("application/json", api.header("Content-Type").orElse("missing"), "an app that asks for JSON errors");
        assertTagged(api);
    }

    /** Waits for the one access log line of a request, which the engine writes once the response has gone out. */
    private String lineOf(String method, String target) throws InterruptedException {
        String start = "127.0.0.1 " + method + " " + target + " ";
        assertTrue(await(() -> lines.stream().anyMatch(line -> line.startsWith(start)), Duration.ofSeconds(3)),
                "no access log line for " + method + " " + target + " among " + lines);
        List<String> found = lines.stream().filter(line -> line.startsWith(start)).toList();
        assertEquals(1, found.size(), "one line per request: " + found);
        assertTrue(LINE.matcher(found.get(0)).matches(), found.get(0));
        return found.get(0);
    }

    @Test
    void eachRequestIsOneAccessLogLine() throws Exception {
        assertEquals(200, exchange(get("/app/ok?x=%0D%0Ay")).status());
        assertTrue(lineOf("GET", "/app/ok?x=%0D%0Ay").matches("127\\.0\\.0\\.1 GET /app/ok\\?x=%0D%0Ay 200 2 \\d+\\.\\d{3}ms"));
        assertEquals(404, exchange(get("/app/nowhere?log")).status());
        assertTrue(lineOf("GET", "/app/nowhere?log").matches("127\\.0\\.0\\.1 GET /app/nowhere\\?log 404 9 \\d+\\.\\d{3}ms"));
        assertEquals(413, exchange("POST /app/ok?log HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + (MAX_BODY + 1)
                + "\r\n\r\n").status());
        assertTrue(lineOf("POST", "/app/ok?log").matches("127\\.0\\.0\\.1 POST /app/ok\\?log 413 \\d+ \\d+\\.\\d{3}ms"));
        assertEquals(501, exchange(request("BREW", "/app/ok?log")).status());
        assertTrue(lineOf("BREW", "/app/ok?log").matches("127\\.0\\.0\\.1 BREW /app/ok\\?log 501 \\d+ \\d+\\.\\d{3}ms"));
    }
}
