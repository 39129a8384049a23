package dev.ferry.internal;

/**
 * A failure as it may be logged: each message and type of the cause chain with control characters
 * escaped, so that text a client chose (a path, a header, an exception message quoting them) can
 * never start a line of its own in a log. The stack traces stay as they were.
 */
public final class Loggable extends Exception {

    private static final long serialVersionUID = 1L;
    private static final int MAX_CAUSES = 16;

    private final String text;

    private Loggable(String text) {
        super(text);
        this.text = text;
    }

    /** Returns a copy of the failure fit for a log, or null for null. */
    public static Throwable of(Throwable failure) {
        return copy(failure, 0);
    }

    private static Throwable copy(Throwable failure, int depth) {
        if (failure == null || depth > MAX_CAUSES) {
            return null;
        }
        Loggable safe = new Loggable(Fields.printable(String.valueOf(failure)));
        safe.setStackTrace(failure.getStackTrace());
        Throwable cause = copy(failure.getCause(), depth + 1);
        if (cause != null) {
            safe.initCause(cause);
        }
        for (Throwable suppressed : failure.getSuppressed()) {
            safe.addSuppressed(copy(suppressed, depth + 1));
        }
        return safe;
    }

    @Override
    public String toString() {
        return text;
    }
}
