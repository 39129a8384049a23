package dev.ferry;

/**
 * Wraps a handler to add behaviour before or after it: logging, authentication, headers. Filters
 * compose: {@code a.then(b).then(handler)} runs {@code a}, then {@code b}, then the handler.
 */
@FunctionalInterface
public interface Filter {

    /** Returns a handler that runs this filter around {@code next}. */
    Handler apply(Handler next);

    /** Returns a filter that runs this one and then {@code next}. */
    default Filter then(Filter next) {
        return handler -> apply(next.apply(handler));
    }

    /** Returns the handler wrapped by this filter; give an inline lambda its type ({@code (Handler) r -> ...}). */
    default Handler then(Handler handler) {
        return apply(handler);
    }
}
