package dev.ferry;

import dev.ferry.internal.MemoryExchange;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Engine;

/**
 * Sends requests to a handler in-process, with no socket, through the same engine every server
 * uses: errors mapped to their status, the body limit enforced, no body on HEAD, 204 and 304. The
 * response body is read into memory, so a test can read it as often as it likes.
 *
 * <pre>{@code
 * TestClient client = TestClient.of(app);
 * assertEquals("Hello, World!", client.get("/").body().text());
 * }</pre>
 */
public final class TestClient {

    private static final String JSON = "application/json";

    private final Engine engine;

    private TestClient(Engine engine) {
        this.engine = engine;
    }

    /** Returns a client for the handler with the default server settings. */
    public static TestClient of(Handler app) {
        return of(app, ServerConfig.defaults());
    }

    /** Returns a client for the handler with these server settings (the body limit applies). */
    public static TestClient of(Handler app, ServerConfig config) {
        return new TestClient(Engine.create(app, config));
    }

    /**
     * Sends the request and returns the response with its body in memory; a {@code Host} and the
     * body's {@code Content-Length} (or chunked framing) are added when the request has none, as a
     * client would send them.
     *
     * @throws java.io.UncheckedIOException when the response broke off after it had started, which a
     *     client sees as a cut connection
     */
    public Response send(Request request) {
        MemoryExchange exchange = new MemoryExchange(request);
        engine.serve(exchange);
        return exchange.response();
    }

    /** Builds the request as a server would (a malformed target gets 400) and sends it. */
    public Response send(Request.Builder request) {
        Request built;
        try {
            built = request.build();
        } catch (HttpException e) {
            return Response.error(e.status(), e.getMessage() == null ? e.status().reason() : e.getMessage())
                    .withHeader("Connection", "close");
        }
        return send(built);
    }

    /** Sends a GET request for the target. */
    public Response get(String target) {
        return send(Request.builder().method(Method.GET).target(target));
    }

    /** Sends a POST request with this UTF-8 text as the body. */
    public Response post(String target, String body) {
        return send(Request.builder().method(Method.POST).target(target).body(Body.of(body)));
    }

    /** Sends a PUT request with this UTF-8 text as the body. */
    public Response put(String target, String body) {
        return send(Request.builder().method(Method.PUT).target(target).body(Body.of(body)));
    }

    /** Sends a PATCH request with this UTF-8 text as the body. */
    public Response patch(String target, String body) {
        return send(Request.builder().method(Method.PATCH).target(target).body(Body.of(body)));
    }

    /** Sends a DELETE request for the target. */
    public Response delete(String target) {
        return send(Request.builder().method(Method.DELETE).target(target));
    }

    /** Sends a request with this method and no body. */
    public Response send(Method method, String target) {
        return send(Request.builder().method(method).target(target));
    }

    /** Sends a request with this method, no body and {@code Accept: application/json}, as a JSON client would. */
    public Response json(Method method, String target) {
        return send(Request.builder().method(method).target(target).headers(Headers.of("Accept", JSON)));
    }

    /**
     * Sends a request with this method and JSON text as its UTF-8 body, with
     * {@code Content-Type: application/json} and {@code Accept: application/json}, as a JSON client would:
     * {@code client.json(Method.POST, "/users", "{\"name\":\"Ada\"}")}.
     */
    public Response json(Method method, String target, String json) {
        return send(Request.builder().method(method).target(target)
                .headers(Headers.of("Content-Type", JSON, "Accept", JSON)).body(Body.of(json)));
    }
}
