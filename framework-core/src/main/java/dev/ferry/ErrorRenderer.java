package dev.ferry;

import dev.ferry.internal.ErrorBody;

/**
 * Turns one of Ferry's own errors (a 404 from the router, a 413 from the body limit, an
 * {@link HttpException}'s status and message, a generic 500) into the response a client gets. The
 * default, {@link #standard()}, answers plain text, or JSON when the request's {@code Accept} prefers
 * {@code application/json}; install another with {@link Errors.Builder#renderer}.
 */
@FunctionalInterface
public interface ErrorRenderer {

    /**
     * Returns the response for an error with this status and a message fit for the client (never a
     * stack trace).
     */
    Response render(Request request, Status status, String message);

    /**
     * Returns the default renderer: JSON ({@link #json()}) when the request's {@code Accept} gives
     * {@code application/json} a higher quality than {@code text/plain}, plain text ({@link #text()})
     * otherwise, with {@code Vary: Accept}.
     */
    static ErrorRenderer standard() {
        return ErrorBody.STANDARD;
    }

    /** Returns the renderer that answers the message as {@code text/plain; charset=utf-8}. */
    static ErrorRenderer text() {
        return ErrorBody.TEXT;
    }

    /**
     * Returns the renderer that answers {@code {"status":404,"error":"Not Found","message":"..."}} as
     * {@code application/json}, whatever the request accepts.
     */
    static ErrorRenderer json() {
        return ErrorBody.JSON;
    }
}
