package dev.ferry.spi;

import java.time.Duration;

/**
 * The rapid-reset limit of HTTP/2 (CVE-2023-44487), the same on every server: a client that resets more
 * than {@link #MAX_RESETS} streams within {@link #WINDOW} gets GOAWAY (ENHANCE_YOUR_CALM) and its
 * connection is closed. A server whose HTTP/2 support counts resets itself is given these numbers; one
 * that does not counts with an instance of this class, one per connection, used from one thread.
 */
public final class ResetLimit {

    /** The most RST_STREAM frames a client may send within {@link #WINDOW}. */
    public static final int MAX_RESETS = 200;

    /** The window the resets are counted in. */
    public static final Duration WINDOW = Duration.ofSeconds(30);

    private static final long WINDOW_NANOS = WINDOW.toNanos();

    private long since = System.nanoTime();
    private int resets;

    /** Creates a count for one connection. */
    public ResetLimit() {
    }

    /** Counts one reset from the client; returns true once, for the reset that passes the limit. */
    public boolean reset() {
        long now = System.nanoTime();
        if (now - since > WINDOW_NANOS) {
            since = now;
            resets = 0;
        }
        return ++resets == MAX_RESETS + 1;
    }
}
