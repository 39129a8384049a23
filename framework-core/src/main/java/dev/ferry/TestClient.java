package dev.ferry;

import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Dispatcher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Sends requests to a handler in-process, with no socket, and answers as a server would: errors
 * mapped to their status, the body limit enforced, no body on HEAD, 204 and 304. The response body is
 * read into memory, so a test can read it as often as it likes.
 *
 * <pre>{@code
 * TestClient client = TestClient.of(app);
 * assertEquals("Hello, World!", client.get("/").body().text());
 * }</pre>
 */
public final class TestClient {

    private final Dispatcher dispatcher;

    private TestClient(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    /** Returns a client for the handler with the default server settings. */
    public static TestClient of(Handler app) {
        return of(app, ServerConfig.defaults());
    }

    /** Returns a client for the handler with these server settings (the body limit applies). */
    public static TestClient of(Handler app, ServerConfig config) {
        return new TestClient(Dispatcher.create(app, config));
    }

    /** Sends the request and returns the response with its body in memory. */
    public Response send(Request request) {
        return buffered(dispatcher.dispatch(request));
    }

    /** Builds the request as a server would (a malformed target gets 400) and sends it. */
    public Response send(Request.Builder request) {
        return buffered(dispatcher.dispatch(request));
    }

    private Response buffered(Response response) {
        try {
            Body body = response.body();
            if (body instanceof Body.Stream || body instanceof Body.Streamed) {
                ByteArrayOutputStream content = new ByteArrayOutputStream();
                body.writeTo(content);
                response = response.withBody(Body.of(content.toByteArray()));
            }
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            dispatcher.finished();
        }
    }

    /** Sends a GET request for the target. */
    public Response get(String target) {
        return send(Request.builder().method(Method.GET).target(target));
    }

    /** Sends a POST request with this UTF-8 text as the body. */
    public Response post(String target, String body) {
        return send(Request.builder().method(Method.POST).target(target).body(Body.of(body)));
    }

    /** Sends a request with this method and no body. */
    public Response send(Method method, String target) {
        return send(Request.builder().method(method).target(target));
    }
}
