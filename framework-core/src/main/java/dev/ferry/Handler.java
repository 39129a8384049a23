package dev.ferry;

/**
 * Answers a request. A whole app is a handler; so is a router, a single route and a server-side
 * function you call in a test. A handler may block: servers run it where blocking is safe.
 */
@FunctionalInterface
public interface Handler {

    /**
     * Returns the response to the request; a thrown {@link HttpException} becomes its status, anything
     * else a 500 or what {@link Errors} maps it to.
     */
    Response handle(Request request) throws Exception;
}
