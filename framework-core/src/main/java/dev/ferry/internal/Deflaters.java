package dev.ferry.internal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.zip.Deflater;

/**
 * A bounded pool of raw deflaters of one level. Requests run on virtual threads, so a per-thread cache
 * would allocate one per request; a deflater holds about 256 KiB of native memory, so the pool keeps at
 * most {@code capacity} idle ones and ends any returned beyond that.
 */
public final class Deflaters {

    private final int level;
    private final ArrayBlockingQueue<Deflater> idle;

    /** Creates a pool of deflaters of this level, keeping at most {@code capacity} idle. */
    public Deflaters(int level, int capacity) {
        this.level = level;
        this.idle = new ArrayBlockingQueue<>(capacity);
    }

    /** Returns an idle deflater, or a new one. */
    public Deflater take() {
        Deflater deflater = idle.poll();
        return deflater != null ? deflater : new Deflater(level, true);
    }

    /** Returns a deflater that finished cleanly; it is reset for the next user, or ended when the pool is full. */
    public void give(Deflater deflater) {
        deflater.reset();
        if (!idle.offer(deflater)) {
            deflater.end();
        }
    }

    /** Returns the number of idle deflaters. */
    public int idle() {
        return idle.size();
    }
}
