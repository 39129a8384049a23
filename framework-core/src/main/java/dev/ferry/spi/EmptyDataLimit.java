package dev.ferry.spi;

/**
 * The limit on HTTP/2 DATA frames that carry nothing (CVE-2019-9518), the same on every server: more than
 * {@link #MAX_EMPTY_FRAMES} DATA frames in a row with no payload and no END_STREAM get GOAWAY
 * (ENHANCE_YOUR_CALM); a DATA frame with bytes or END_STREAM, or a HEADERS frame, starts the count again. A
 * server whose HTTP/2 support counts such frames itself is given this number; one that does not counts with an
 * instance of this class, one per connection, used from one thread.
 */
public final class EmptyDataLimit {

    /** The most empty DATA frames a client may send in a row. */
    public static final int MAX_EMPTY_FRAMES = 16;

    private static final int DATA = 0, HEADERS = 1, END_STREAM = 1;

    private int empty;

    /** Creates a count for one connection. */
    public EmptyDataLimit() {
    }

    /** Counts a frame from the client by its header; returns true once, for the frame that passes the limit. */
    public boolean frame(int type, int flags, int length) {
        if (type == HEADERS || type == DATA && (length > 0 || (flags & END_STREAM) != 0)) {
            empty = 0;
            return false;
        }
        return type == DATA && empty++ == MAX_EMPTY_FRAMES;
    }
}
