package dev.ferry;

import java.nio.charset.StandardCharsets;

/**
 * An HTTP response: status, headers and body, as an immutable value whose {@code with} methods
 * return copies. Servers set Content-Length from the body when its length is known and stream it
 * chunked otherwise.
 */
public final class Response {

    private static final Headers TEXT = Headers.of("Content-Type", "text/plain; charset=utf-8");
    private static final Headers HTML = Headers.of("Content-Type", "text/html; charset=utf-8");
    private static final Headers JSON = Headers.of("Content-Type", "application/json");

    private final Status status;
    private final Headers headers;
    private final Body body;

    private Response(Status status, Headers headers, Body body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    /** Returns a response with this status, no headers and no body. */
    public static Response of(Status status) {
        return new Response(status, Headers.empty(), Body.empty());
    }

    /** Returns a response with this status, headers and body. */
    public static Response of(Status status, Headers headers, Body body) {
        return new Response(status, headers, body);
    }

    /** Returns 200 OK with no body. */
    public static Response ok() {
        return of(Status.OK);
    }

    /** Returns 200 OK with this text as {@code text/plain; charset=utf-8}. */
    public static Response text(String text) {
        return new Response(Status.OK, TEXT, Body.of(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Returns 200 OK with this markup as {@code text/html; charset=utf-8}. */
    public static Response html(String html) {
        return new Response(Status.OK, HTML, Body.of(html));
    }

    /** Returns 200 OK with this JSON document as {@code application/json}. */
    public static Response json(String json) {
        return new Response(Status.OK, JSON, Body.of(json));
    }

    /** Returns a redirect (302 Found) to the location. */
    public static Response redirect(String location) {
        return new Response(Status.FOUND, Headers.of("Location", location), Body.empty());
    }

    /**
     * Returns a plain-text error response: the message as the body. Ferry's own errors go through the
     * {@link ErrorRenderer} instead, which may answer JSON; see {@link Errors#render}.
     */
    public static Response error(Status status, String message) {
        return new Response(status, TEXT, Body.of(message));
    }

    /** Returns the status. */
    public Status status() {
        return status;
    }

    /** Returns the headers. */
    public Headers headers() {
        return headers;
    }

    /** Returns the body. */
    public Body body() {
        return body;
    }

    /** Returns a copy with this status. */
    public Response withStatus(Status status) {
        return new Response(status, headers, body);
    }

    /** Returns a copy in which the named header has exactly this value. */
    public Response withHeader(String name, String value) {
        return new Response(status, headers.with(name, value), body);
    }

    /** Returns a copy with one more value for the named header, after any it has. */
    public Response withAddedHeader(String name, String value) {
        return new Response(status, headers.plus(name, value), body);
    }

    /** Returns a copy with these headers. */
    public Response withHeaders(Headers headers) {
        return new Response(status, headers, body);
    }

    /** Returns a copy with this body. */
    public Response withBody(Body body) {
        return new Response(status, headers, body);
    }

    /** Returns a copy with this text as its UTF-8 body; the Content-Type is left as it is. */
    public Response withBody(String text) {
        return new Response(status, headers, Body.of(text));
    }

    /** Returns a copy with this Content-Type. */
    public Response withContentType(String contentType) {
        return withHeader("Content-Type", contentType);
    }

    /** Returns a copy that sets this cookie on the client. */
    public Response withCookie(Cookie cookie) {
        return withAddedHeader("Set-Cookie", cookie.toSetCookie());
    }

    @Override
    public String toString() {
        return status + " " + headers + " " + body;
    }
}
