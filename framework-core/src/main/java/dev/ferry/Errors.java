package dev.ferry;

import dev.ferry.internal.Fields;
import dev.ferry.internal.Loggable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Turns what a handler throws into the response the filters around it see, so that a filter adding a
 * header adds it to a 404, a 413 or a 500 as well. A {@link dev.ferry.routing.Router} does this for its
 * routes and {@link Filter#then} for the handler it wraps, so filters never see an exception; this
 * filter decides how, for everything below it:
 *
 * <ul>
 * <li>an {@link HttpException} anywhere in the cause chain decides the status, so a 413 that a JSON
 *     parser wrapped in its own exception stays 413; it is rendered by the {@link ErrorRenderer};
 * <li>else the first exception of the cause chain that a mapping covers (the mapping of its closest
 *     mapped superclass) becomes the response the mapping returns;
 * <li>else the failure is logged and answered with a generic 500, without details.
 * </ul>
 *
 * <pre>{@code
 * Handler app = requestId
 *         .then(Errors.builder()
 *                 .map(NoSuchElementException.class, (e, request) -> Errors.render(request, Status.NOT_FOUND, "No such user"))
 *                 .renderer(ErrorRenderer.json())
 *                 .build())
 *         .then(router);
 * }</pre>
 *
 * <p>An {@code Errors} filter inside another adds to its mappings and may replace its renderer. Where
 * none is installed, the defaults hold: no mappings and {@link ErrorRenderer#standard()}.
 */
public final class Errors implements Filter {

    private static final System.Logger LOG = System.getLogger("dev.ferry");
    private static final Attribute<Scope> SCOPE = Attribute.named("ferry.errors", Scope.class);
    private static final int MAX_CAUSES = 16;

    private final Map<Class<? extends Throwable>, Mapping<?>> mappings;
    private final ErrorRenderer renderer;

    private Errors(Map<Class<? extends Throwable>, Mapping<?>> mappings, ErrorRenderer renderer) {
        this.mappings = mappings;
        this.renderer = renderer;
    }

    /** Returns a builder with no mappings, keeping the renderer of the scope it is installed in. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Handler apply(Handler next) {
        Objects.requireNonNull(next, "next");
        return request -> {
            Request scoped = request.with(SCOPE, new Scope(this, request.attribute(SCOPE).orElse(null)));
            try {
                return next.handle(scoped);
            } catch (Exception | StackOverflowError e) {
                return response(scoped, e);
            }
        };
    }

    /**
     * Returns the response for a failure while handling this request, as the {@code Errors} in force
     * for it decides (see the class description); never throws.
     */
    public static Response response(Request request, Throwable failure) {
        if (failure instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        Scope scope = request.attribute(SCOPE).orElse(null);
        HttpException http = null;
        int depth = 0;
        for (Throwable link = failure; link != null && depth < MAX_CAUSES; link = link.getCause(), depth++) {
            if (link instanceof HttpException found) {
                http = found;
                break;
            }
        }
        try {
            if (http != null) {
                for (Scope s = scope; s != null; s = s.outer) {
                    Mapping<?> mapping = s.errors.closest(http, true);
                    if (mapping != null) {
                        return mapped(mapping, http, request);
                    }
                }
                return render(request, http.status(), http.getMessage());
            }
            for (Scope s = scope; s != null; s = s.outer) {
                depth = 0;
                for (Throwable link = failure; link != null && depth < MAX_CAUSES; link = link.getCause(), depth++) {
                    Mapping<?> mapping = s.errors.closest(link, false);
                    if (mapping != null) {
                        return mapped(mapping, link, request);
                    }
                }
            }
        } catch (Exception | StackOverflowError e) {
            LOG.log(System.Logger.Level.ERROR, "mapping a failure on " + Fields.printable(request.toString())
                    + " failed", Loggable.of(e));
            return generic(request);
        }
        LOG.log(System.Logger.Level.ERROR, "handler failed on " + Fields.printable(request.toString()), Loggable.of(failure));
        return generic(request);
    }

    /**
     * Returns the error response for this status and message as the renderer in force for the request
     * renders it; a mapping uses it to answer in the app's one error format.
     */
    public static Response render(Request request, Status status, String message) {
        ErrorRenderer chosen = ErrorRenderer.standard();
        for (Scope s = request.attribute(SCOPE).orElse(null); s != null; s = s.outer) {
            if (s.errors.renderer != null) {
                chosen = s.errors.renderer;
                break;
            }
        }
        Response response = chosen.render(request, status, message == null ? status.reason() : message);
        if (response == null) {
            throw new IllegalStateException("the error renderer returned no response");
        }
        return response;
    }

    /** Returns the handler, answering what it throws with {@link #response}. */
    static Handler catching(Handler handler) {
        Objects.requireNonNull(handler, "handler");
        return request -> {
            try {
                return handler.handle(request);
            } catch (Exception | StackOverflowError e) {
                return response(request, e);
            }
        };
    }

    private static Response generic(Request request) {
        try {
            return render(request, Status.INTERNAL_SERVER_ERROR, null);
        } catch (RuntimeException | StackOverflowError e) {
            LOG.log(System.Logger.Level.ERROR, "the error renderer failed", Loggable.of(e));
            return Response.error(Status.INTERNAL_SERVER_ERROR, Status.INTERNAL_SERVER_ERROR.reason());
        }
    }

    @SuppressWarnings("unchecked")
    private static Response mapped(Mapping<?> mapping, Throwable failure, Request request) throws Exception {
        Response response = ((Mapping<Throwable>) mapping).map(failure, request);
        if (response == null) {
            throw new IllegalStateException("the mapping for " + failure.getClass().getName() + " returned no response");
        }
        return response;
    }

    /** Returns the mapping of the closest mapped superclass of the failure; only HttpException's own for one. */
    private Mapping<?> closest(Throwable failure, boolean http) {
        Class<? extends Throwable> best = null;
        for (Class<? extends Throwable> type : mappings.keySet()) {
            if (type.isInstance(failure) && (!http || HttpException.class.isAssignableFrom(type))
                    && (best == null || best.isAssignableFrom(type))) {
                best = type;
            }
        }
        return best == null ? null : mappings.get(best);
    }

    /** The chain of {@code Errors} filters a request has passed, innermost first. */
    private record Scope(Errors errors, Scope outer) {
    }

    /**
     * Turns an exception of a mapped type into a response.
     *
     * @param <E> the exception type
     */
    @FunctionalInterface
    public interface Mapping<E extends Throwable> {

        /** Returns the response for the exception thrown while handling the request. */
        Response map(E exception, Request request) throws Exception;
    }

    /** Collects mappings and the renderer. */
    public static final class Builder {
        private final Map<Class<? extends Throwable>, Mapping<?>> mappings = new LinkedHashMap<>();
        private ErrorRenderer renderer;

        private Builder() {
        }

        /**
         * Answers an exception of this type, or of a subtype no closer mapping covers, with what the
         * mapping returns. A mapping for {@link HttpException} or a subtype replaces the renderer for
         * those; a mapping for a wider type, such as {@link Exception}, never sees an HttpException.
         *
         * @throws IllegalStateException when the type is mapped already
         */
        public <E extends Throwable> Builder map(Class<E> type, Mapping<? super E> mapping) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(mapping, "mapping");
            if (mappings.putIfAbsent(type, mapping) != null) {
                throw new IllegalStateException(type.getName() + " is already mapped");
            }
            return this;
        }

        /** Sets the renderer of Ferry's own errors below this filter; the standard one by default. */
        public Builder renderer(ErrorRenderer renderer) {
            this.renderer = Objects.requireNonNull(renderer, "renderer");
            return this;
        }

        /** Returns the filter. */
        public Errors build() {
            return new Errors(Map.copyOf(mappings), renderer);
        }
    }
}
