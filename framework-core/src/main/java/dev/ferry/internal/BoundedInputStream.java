package dev.ferry.internal;

import java.io.IOException;
import java.io.InputStream;

/** The first bytes of a stream, for a file region: reads end after {@code left} bytes. */
public final class BoundedInputStream extends InputStream {
    private final InputStream in;
    private long left;

    /** Reads at most {@code left} bytes of {@code in}. */
    public BoundedInputStream(InputStream in, long left) {
        this.in = in;
        this.left = left;
    }

    @Override
    public int read() throws IOException {
        if (left <= 0) {
            return -1;
        }
        int b = in.read();
        if (b >= 0) {
            left--;
        }
        return b;
    }

    @Override
    public int read(byte[] bytes, int offset, int count) throws IOException {
        if (left <= 0) {
            return count == 0 ? 0 : -1;
        }
        int n = in.read(bytes, offset, (int) Math.min(count, left));
        if (n > 0) {
            left -= n;
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
