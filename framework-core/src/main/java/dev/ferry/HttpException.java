package dev.ferry;

/**
 * Thrown by a handler (or by Ferry itself) to answer with a given status. The message is rendered for
 * the client by the {@link ErrorRenderer} (plain text, or JSON when the client prefers it), so it must
 * be fit for the client; any other exception becomes a generic 500 unless {@link Errors} maps it. It
 * keeps its status anywhere in a cause chain, so a library that wraps it does not change the answer.
 */
public class HttpException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Status status;

    /** Creates an exception that answers with this status and message. */
    public HttpException(Status status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    /** Creates an exception that answers with this status and its reason phrase as the message. */
    public HttpException(Status status) {
        this(status, status.reason());
    }

    /** Creates an exception that answers with this code and message. */
    public HttpException(int code, String message) {
        this(Status.of(code), message);
    }

    /** Returns the status to answer with. */
    public Status status() {
        return status;
    }
}
