package dev.ferry.testkit;

import dev.ferry.Attribute;
import dev.ferry.Body;
import dev.ferry.Cookie;
import dev.ferry.Handler;
import dev.ferry.Headers;
import dev.ferry.HttpException;
import dev.ferry.Lint;
import dev.ferry.Method;
import dev.ferry.Parameters;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.routing.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * The app every conformance test talks to: routes that echo what the server delivered (method, path,
 * query, headers, body, peer address) and routes that stream, hold, hang or fail on purpose. It
 * counts handler invocations, completions and work still in progress, so that tests can tell whether
 * a handler ran and whether anything was left behind, and it runs behind {@link Lint#lint()}, whose
 * violations are recorded.
 */
public final class ConformanceApp {

    /** The text of {@code GET /hello}. */
    public static final String HELLO = "Hello, World!";

    /** Set when a route's handler returns a response rather than throwing. */
    private static final Attribute<java.util.concurrent.atomic.AtomicBoolean> RETURNED =
            Attribute.named("returned", java.util.concurrent.atomic.AtomicBoolean.class);

    private final AtomicInteger invocations = new AtomicInteger();
    private final Map<String, AtomicInteger> invocationsByQuery = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> invocationsByPort = new ConcurrentHashMap<>();
    private final AtomicInteger completions = new AtomicInteger();
    private final Map<Integer, AtomicInteger> completionsByPort = new ConcurrentHashMap<>();
    private final AtomicInteger inProgress = new AtomicInteger();
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final Set<String> completed = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> waiting = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    private volatile CountDownLatch hold = new CountDownLatch(1);
    private final Handler linted = Lint.lint().then(routes());

    /** Creates the app with fresh counters. */
    public ConformanceApp() {
    }

    /** Returns the app's handler, to start on a server. */
    public Handler handler() {
        return this::counting;
    }

    /** Returns how many requests reached the app since the last {@link #reset()}. */
    public int invocations() {
        return invocations.get();
    }

    /**
     * Returns how many requests with this raw query reached the app since the last {@link #reset()}. A
     * test that marks its request with a query of its own is not misled by a request some earlier test
     * left behind, which the server may still dispatch after the reset.
     */
    public int invocations(String rawQuery) {
        return count(invocationsByQuery, rawQuery);
    }

    /**
     * Returns how many requests from this client's connection reached the app since the last
     * {@link #reset()}: unlike {@link #invocations()}, a request some earlier test left behind does not
     * count.
     */
    public int invocations(RawClient client) {
        return count(invocationsByPort, client.localPort());
    }

    /** Returns how many requests from this client's connection the app answered without throwing. */
    public int completions(RawClient client) {
        return count(completionsByPort, client.localPort());
    }

    private static <K> int count(Map<K, AtomicInteger> counts, K key) {
        AtomicInteger count = counts.get(key);
        return count == null ? 0 : count.get();
    }

    private static <K> void increment(Map<K, AtomicInteger> counts, K key) {
        counts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    }

    /** Returns how many requests the app answered without throwing since the last {@link #reset()}. */
    public int completions() {
        return completions.get();
    }

    /** Returns how many handlers, and streamed bodies being written, have not finished yet. */
    public int inProgress() {
        return inProgress.get();
    }

    /** Returns the ids of the {@code /hold/{id}} and {@code /flush/{id}} requests that finished. */
    public Set<String> completed() {
        return Set.copyOf(completed);
    }

    /**
     * Returns the ids of the {@code /hold/{id}} requests waiting for their release, and {@code hang}
     * while a {@code /hang} request runs: unlike {@link #inProgress()}, a request some earlier test
     * left running does not count for the current one.
     */
    public Set<String> waiting() {
        return Set.copyOf(waiting.keySet());
    }

    /** Returns the lint violations recorded so far. */
    public List<String> violations() {
        synchronized (violations) {
            return List.copyOf(violations);
        }
    }

    /** Resets the counters (not the work in progress) and re-arms the hold gate. */
    public void reset() {
        invocations.set(0);
        invocationsByQuery.clear();
        invocationsByPort.clear();
        completions.set(0);
        completionsByPort.clear();
        violations.clear();
        completed.clear();
        gates.clear();
        hold = new CountDownLatch(1);
    }

    /** Lets every {@code /hold/{id}} request finish. */
    public void releaseHeld() {
        hold.countDown();
    }

    /** Lets the {@code /flush/{id}} request with this id finish its body. */
    public void release(String id) {
        gate(id).countDown();
    }

    /** Releases every held, gated and hanging request, so none is left behind after a test. */
    public void releaseAll() {
        hold.countDown();
        gates.values().forEach(CountDownLatch::countDown);
        gate("hang").countDown();
    }

    /** Polls until the condition holds or the time is up; returns whether it held. */
    public static boolean await(BooleanSupplier condition, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /** Returns the deterministic content of {@code /bytes/{n}}: byte i is {@code 'a' + i % 26}. */
    public static byte[] pattern(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) ('a' + i % 26);
        }
        return bytes;
    }

    private void startWaiting(String id) {
        waiting.merge(id, 1, Integer::sum);
    }

    private void stopWaiting(String id) {
        waiting.computeIfPresent(id, (key, count) -> count == 1 ? null : count - 1);
    }

    private CountDownLatch gate(String id) {
        return gates.computeIfAbsent(id, key -> new CountDownLatch(1));
    }

    private Response counting(Request request) throws Exception {
        invocations.incrementAndGet();
        int port = request.remoteAddress().getPort();
        increment(invocationsByPort, port);
        if (request.rawQuery() != null) {
            increment(invocationsByQuery, request.rawQuery());
        }
        inProgress.incrementAndGet();
        boolean streaming = false;
        try {
            java.util.concurrent.atomic.AtomicBoolean returned = new java.util.concurrent.atomic.AtomicBoolean();
            Response response = linted.handle(request.with(RETURNED, returned));
            if (returned.get()) {
                completions.incrementAndGet();
                increment(completionsByPort, port);
            }
            if (response.body() instanceof Body.Streamed streamed) {
                streaming = true;
                return response.withBody(Body.streamed(out -> {
                    try {
                        streamed.writer().writeTo(out);
                    } catch (Lint.Violation e) {
                        violations.add(e.getMessage());
                        throw e;
                    } finally {
                        inProgress.decrementAndGet();
                    }
                }));
            }
            return response;
        } catch (Lint.Violation e) {
            violations.add(e.getMessage());
            throw e;
        } finally {
            if (!streaming) {
                inProgress.decrementAndGet();
            }
        }
    }

    /** Marks the request's handler as returned: a route that throws never completes, whatever the router answers. */
    private static Handler done(Handler handler) {
        return request -> {
            Response response = handler.handle(request);
            request.attribute(RETURNED).ifPresent(returned -> returned.set(true));
            return response;
        };
    }

    private Handler routes() {
        Handler method = request -> Response.text("method=" + request.method());
        Handler echo = request -> {
            byte[] body = request.body().bytes();
            Response response = Response.of(Status.OK, Headers.of(
                    "Content-Type", request.header("Content-Type").orElse("application/octet-stream"),
                    "X-Body-Length", Integer.toString(body.length)), Body.of(body));
            return response;
        };
        Handler admin = Router.builder()
                .get("/", done(request -> Response.text("context=" + request.contextPath() + " path=" + request.path())))
                .get("/users/{id}", done(request -> Response.text("context=" + request.contextPath() + " path="
                        + request.path() + " id=" + request.pathParam("id"))))
                .build();
        return Router.builder()
                .get("/hello", done(request -> Response.text(HELLO)))
                .get("/empty", done(request -> Response.ok()))
                .get("/method", done(method)).post("/method", done(method)).put("/method", done(method))
                .delete("/method", done(method))
                .patch("/method", done(method)).route(Method.TRACE, "/method", done(method))
                .route(Method.of("PURGE"), "/method", done(method))
                .get("/echo", done(echo)).post("/echo", done(echo)).put("/echo", done(echo))
                .get("/headers", done(request -> {
                    StringBuilder text = new StringBuilder();
                    request.headers().forEach((name, value) -> text.append(name.toLowerCase(java.util.Locale.ROOT))
                            .append(": ").append(value).append('\n'));
                    return Response.text(text.toString())
                            .withAddedHeader("X-Multi", "a").withAddedHeader("X-Multi", "b")
                            .withHeader("X-Mixed-Case", "Value-With-CASE");
                }))
                .get("/header/{name}", done(request -> Response.text(String.join("|", request.headers().all(request.pathParam("name"))))))
                .get("/query", done(request -> {
                    Parameters query = request.query();
                    StringBuilder text = new StringBuilder();
                    for (String name : query.names()) {
                        text.append(name).append('=').append(String.join(",", query.all(name))).append('\n');
                    }
                    return Response.text(text.append("raw=").append(request.rawQuery()).toString());
                }))
                .get("/path/{p}", done(request -> Response.text("param=" + request.pathParam("p") + "\npath=" + request.path()
                        + "\nsegments=" + String.join("|", request.segments()))))
                .get("/rest/{rest...}", done(request -> Response.text("rest=" + request.pathParam("rest"))))
                .get("/bytes/{n}", done(request -> Response.of(Status.OK, Headers.of("Content-Type", "application/octet-stream"),
                        Body.of(pattern(Integer.parseInt(request.pathParam("n")))))))
                .get("/stream-bytes/{n}", done(request -> {
                    byte[] content = pattern(Integer.parseInt(request.pathParam("n")));
                    return Response.of(Status.OK, Headers.of("Content-Type", "application/octet-stream"),
                            Body.of(new java.io.ByteArrayInputStream(content)));
                }))
                .get("/flush/{id}", done(request -> {
                    String id = request.pathParam("id");
                    CountDownLatch gate = gate(id);
                    return Response.of(Status.OK, Headers.of("Content-Type", "text/plain"), Body.streamed(out -> {
                        out.write("first\n".getBytes());
                        out.flush();
                        try {
                            if (!gate.await(20, TimeUnit.SECONDS)) {
                                throw new IOException("the test never released " + id);
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException(e);
                        }
                        out.write("second\n".getBytes());
                        completed.add(id);
                    }));
                }))
                .get("/fail-stream/{when}", done(request -> {
                    boolean after = request.pathParam("when").equals("after");
                    return Response.of(Status.OK, Headers.of("Content-Type", "text/plain"), Body.streamed(out -> {
                        if (after) {
                            out.write("first\n".getBytes());
                            out.flush();
                            out.write("second\n".getBytes());
                            out.flush();
                        }
                        throw new IOException("the writer failed " + (after ? "after two chunks" : "before writing"));
                    }));
                }))
                .get("/streamed-length/{n}", done(request -> {
                    int n = Integer.parseInt(request.pathParam("n"));
                    return Response.of(Status.OK, Headers.of("Content-Type", "application/octet-stream",
                            "Content-Length", Integer.toString(n)), Body.streamed(out -> out.write(pattern(n))));
                }))
                .get("/bad-header/{kind}", done(request -> switch (request.pathParam("kind")) {
                    case "fixed" -> Response.text("never sent").withHeader("X-Bad", "a\u0001b");
                    case "streamed" -> Response.ok().withBody(Body.streamed(out -> out.write('x')))
                            .withHeader("X-Bad", "\u013B Domain=evil.example");
                    case "reflected-cookie" -> Response.text("never sent")
                            .withCookie(Cookie.of("session", "1").withPath(request.query().first("path").orElse("/")));
                    default -> Response.error(Status.NOT_FOUND, "no such kind");
                }))
                .get("/header-case", done(request -> Response.text("cased")
                        .withHeader("X-Mixed-Case", "1").withHeader("x-lower-case", "2").withHeader("X-UPPER-CASE", "3")))
                .get("/endless", done(request -> Response.of(Status.OK, Headers.of("Content-Type", "application/octet-stream"),
                        Body.streamed(ConformanceApp::endless))))
                .get("/cookies", done(request -> Response.text("session=" + request.cookie("session").orElse("-")
                                + " theme=" + request.cookie("theme").orElse("-"))
                        .withCookie(Cookie.of("a", "1").withPath("/"))
                        .withCookie(Cookie.of("b", "2").withHttpOnly(true))))
                .get("/status/{code}", done(request -> {
                    Status status = Status.of(Integer.parseInt(request.pathParam("code")));
                    return status.forbidsBody() ? Response.of(status) : Response.error(status, "status " + status.code());
                }))
                .get("/no-content", done(request -> Response.of(Status.NO_CONTENT).withHeader("X-Done", "yes")))
                .get("/not-modified", done(request -> Response.of(Status.NOT_MODIFIED).withHeader("ETag", "\"v1\"")))
                .get("/fail", done(request -> {
                    throw new IllegalStateException("secret-detail-42");
                }))
                .get("/refuse/{code}", done(request -> {
                    int code = Integer.parseInt(request.pathParam("code"));
                    throw new HttpException(code, "refused " + code);
                }))
                .get("/remote", done(request -> Response.text("remote=" + request.remoteAddress().getAddress().getHostAddress()
                        + ":" + request.remoteAddress().getPort() + "\nscheme=" + request.scheme()
                        + "\nversion=" + request.version())))
                .post("/form", done(request -> {
                    Parameters form = Parameters.form(request);
                    return Response.text(form.names().stream().map(n -> n + "=" + String.join(",", form.all(n)))
                            .collect(Collectors.joining(" ")));
                }))
                .post("/ignore", done(request -> Response.text("ignored")))
                .post("/read", done(request -> {
                    long total = 0;
                    try (InputStream in = request.body().stream()) {
                        byte[] buffer = new byte[8192];
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            total += n;
                        }
                    }
                    return Response.text("read=" + total);
                }))
                .get("/hold/{id}", done(request -> {
                    String id = request.pathParam("id");
                    startWaiting(id);
                    try {
                        if (!hold.await(30, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("the test never released the held requests");
                        }
                    } finally {
                        stopWaiting(id);
                    }
                    completed.add(id);
                    return Response.text("done " + id);
                }))
                .get("/hang", done(request -> {
                    CountDownLatch gate = gate("hang");
                    startWaiting("hang");
                    try {
                        while (true) {
                            try {
                                if (gate.await(60, TimeUnit.SECONDS)) {
                                    return Response.text("released");
                                }
                            } catch (InterruptedException e) {
                                // a handler that hangs ignores interruption too; only the test's release ends it
                            }
                        }
                    } finally {
                        stopWaiting("hang");
                    }
                }))
                .mount("/admin", admin)
                .build();
    }

    private static void endless(OutputStream out) throws IOException {
        byte[] block = pattern(8192);
        for (int i = 0; i < 64 * 128; i++) {
            out.write(block);
        }
    }
}
