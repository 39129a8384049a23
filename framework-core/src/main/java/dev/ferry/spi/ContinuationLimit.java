package dev.ferry.spi;

/**
 * The limit on an HTTP/2 header block kept open in small frames (the CONTINUATION flood), the same on every
 * server: once {@link #MAX_SMALL_FRAGMENTS} of a block's HEADERS and CONTINUATION frames have not ended it and
 * carried fewer than {@link #SMALL_BYTES} bytes each, its next CONTINUATION frame gets GOAWAY
 * (ENHANCE_YOUR_CALM). A block that grows is bounded by the header size limit instead. A server whose HTTP/2
 * support counts such frames itself is given these numbers; one that does not counts with an instance of this
 * class, one per connection, used from one thread.
 */
public final class ContinuationLimit {

    /** The most small frames a header block may take before the frame that ends it. */
    public static final int MAX_SMALL_FRAGMENTS = 16;

    /** A frame of a header block with fewer bytes than this, and not its last, is small. */
    public static final int SMALL_BYTES = 8192;

    private static final int HEADERS = 1, CONTINUATION = 9, END_HEADERS = 4;

    private boolean open;
    private int small;

    /** Creates a count for one connection. */
    public ContinuationLimit() {
    }

    /** Counts a frame from the client by its header; returns true once, for the frame that passes the limit. */
    public boolean frame(int type, int flags, int length) {
        if (type != HEADERS && type != CONTINUATION) {
            return false;
        }
        if (type == HEADERS) {
            small = 0;
        } else if (open && small == MAX_SMALL_FRAGMENTS) {
            open = false;
            return true;
        }
        open = (flags & END_HEADERS) == 0;
        if (open && length < SMALL_BYTES) {
            small++;
        }
        return false;
    }
}
