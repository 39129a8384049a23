package dev.ferry.internal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.zip.Deflater;

/**
 * A bounded pool of raw deflaters of one level, each with its output buffer. Requests run on virtual
 * threads, so a per-thread cache would allocate one per request; a deflater holds about 256 KiB of
 * native memory, so the pool keeps at most {@code capacity} idle ones and ends any returned beyond that.
 */
public final class Deflaters {

    /** The size of each deflater's output buffer. */
    static final int BUFFER = 8192;

    private final int level;
    private final ArrayBlockingQueue<Lease> idle;
    private volatile boolean closed;

    /** Creates a pool of deflaters of this level, keeping at most {@code capacity} idle. */
    public Deflaters(int level, int capacity) {
        this.level = level;
        this.idle = new ArrayBlockingQueue<>(capacity);
    }

    /** A deflater and its output buffer, used by one body at a time. */
    public static final class Lease {
        final Deflater deflater;
        final byte[] buffer = new byte[BUFFER];

        private Lease(Deflater deflater) {
            this.deflater = deflater;
        }
    }

    /** Returns an idle deflater, or a new one. */
    public Lease take() {
        Lease lease = idle.poll();
        return lease != null ? lease : new Lease(new Deflater(level, true));
    }

    /** Returns a deflater that finished cleanly; it is reset for the next user, or ended when the pool is full. */
    public void give(Lease lease) {
        lease.deflater.reset();
        if (closed || !idle.offer(lease)) {
            lease.deflater.end();
        }
        if (closed) {
            close();
        }
    }

    /** Ends every idle deflater; those in use are ended when given back, and later ones are not kept. */
    public void close() {
        closed = true;
        Lease lease;
        while ((lease = idle.poll()) != null) {
            lease.deflater.end();
        }
    }

    /** Returns the number of idle deflaters. */
    public int idle() {
        return idle.size();
    }
}
