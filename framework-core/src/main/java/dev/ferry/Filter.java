package dev.ferry;

/**
 * Wraps a handler to add behaviour before or after it: logging, authentication, headers. Filters
 * compose: {@code a.then(b).then(handler)} runs {@code a}, then {@code b}, then the handler.
 *
 * <p>A filter composed with {@code then} never sees an exception from what it wraps: whatever the
 * handler or a filter inside throws reaches it as the response {@link Errors} maps it to (an
 * {@link HttpException}'s status, a mapped response, or a generic 500), so a header it adds is on error
 * responses too. A filter that must know about a failure looks at the status.
 */
@FunctionalInterface
public interface Filter {

    /** Returns a handler that runs this filter around {@code next}. */
    Handler apply(Handler next);

    /** Returns a filter that runs this one and then {@code next}, which it sees fail as a response. */
    default Filter then(Filter next) {
        return handler -> apply(Errors.catching(next.apply(handler)));
    }

    /**
     * Returns the handler wrapped by this filter, which it sees fail as a response; give an inline
     * lambda its type ({@code (Handler) r -> ...}).
     */
    default Handler then(Handler handler) {
        return apply(Errors.catching(handler));
    }
}
