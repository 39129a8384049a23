package dev.ferry.spi;

import dev.ferry.HttpException;
import dev.ferry.Status;
import dev.ferry.internal.Fields;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * The request body as the app reads it: opened from the server on the first read, which is when
 * {@code 100 Continue} goes out if the client asked for it; bounded by the body limit (413); and
 * remembering a broken framing (400), the limit (413) or a stalled client (408), which decide the
 * answer whatever the app does with the exception. One reader at a time, as any input stream.
 */
final class RequestBody extends InputStream {

    /** After the read timeout has passed, a body must keep arriving at this average rate, in bytes a second. */
    static final long MIN_RATE = 1024;

    private final Exchange exchange;
    private final long declared;
    private final long limit;
    private final long timeoutNanos;
    private long openedAt;
    private boolean continuePending;
    private InputStream in;
    private long read;
    private boolean ended;
    private volatile Status failure;

    RequestBody(Exchange exchange, long declared, long limit, long timeoutNanos, boolean expectContinue) {
        this.exchange = exchange;
        this.declared = declared;
        this.limit = limit;
        this.timeoutNanos = timeoutNanos;
        this.continuePending = expectContinue;
    }

    /** Returns the status a broken framing or the body limit decided, or null. */
    Status failure() {
        return failure;
    }

    /** Returns whether the whole body was read. */
    boolean complete() {
        return ended || declared >= 0 && read == declared;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (failure != null) {
            throw new HttpException(failure);
        }
        if (ended || length == 0) {
            return ended ? -1 : 0;
        }
        if (in == null) {
            if (continuePending) {
                continuePending = false;
                exchange.sendContinue();
            }
            in = exchange.body();
            openedAt = System.nanoTime();
        }
        int n;
        try {
            n = in.read(buffer, offset, length);
        } catch (HttpException e) {
            failure = e.status();
            throw e;
        } catch (IOException e) {
            if (timedOut(e)) {
                failure = Status.REQUEST_TIMEOUT;
                throw new HttpException(failure);
            }
            throw e;
        }
        if (n < 0) {
            ended = true;
            if (declared >= 0 && read < declared) {
                // the client ended its side inside the body: the request is not the one it announced
                failure = Status.BAD_REQUEST;
                throw new HttpException(failure);
            }
            if (exchange.http2() && malformedTrailers()) {
                failure = Status.BAD_REQUEST;
                throw new HttpException(failure);
            }
            return -1;
        }
        read += n;
        if (read > limit) {
            failure = Status.CONTENT_TOO_LARGE;
            throw new HttpException(failure);
        }
        // a client that drips bytes never trips the server's wait for the next one: past the timeout,
        // the body must have come at MIN_RATE on average
        if (System.nanoTime() - openedAt > timeoutNanos + read * 1_000_000_000L / MIN_RATE) {
            failure = Status.REQUEST_TIMEOUT;
            throw new HttpException(failure);
        }
        if (declared >= 0 && read == declared && !exchange.http2()) {
            ended = true; // on HTTP/2 the next read meets the stream's end, and its trailers
        }
        return n;
    }

    /** Returns whether a trailer field is a pseudo-header field, a name that is no lower-case token, or a bad value. */
    private boolean malformedTrailers() {
        boolean[] malformed = {false};
        exchange.trailers((name, value) -> malformed[0] |= !Fields.isToken(name)
                || !name.equals(name.toLowerCase(Locale.ROOT)) || !Fields.isValue(value));
        return malformed[0];
    }

    /** Returns whether {@link #drain} may keep the connection: the body is neither refused, broken, too long nor uninvited. */
    boolean drainable(long max) {
        return failure == null && !continuePending && (declared < 0 || declared - read <= max);
    }

    /** Returns whether the failure is, or was caused by, the server's wait for the next byte timing out. */
    private static boolean timedOut(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.net.SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads and drops what the app left unread, up to {@code max} bytes, so that the connection can
     * serve the next request; returns false when the connection must close instead: the body was
     * refused, broke, is longer, or was never invited with {@code 100 Continue}.
     */
    boolean drain(long max) {
        if (!drainable(max)) {
            return false;
        }
        byte[] skip = new byte[8192];
        long start = read;
        try {
            while (!complete() && read(skip, 0, skip.length) >= 0) {
                if (read - start > max) {
                    return false;
                }
            }
            return complete();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        // the engine reads on past a close to keep the connection, or closes it
    }
}
