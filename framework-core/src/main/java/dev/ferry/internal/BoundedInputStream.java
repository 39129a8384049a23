package dev.ferry.internal;

import dev.ferry.HttpException;
import dev.ferry.Status;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Fails with 413 as soon as more than the limit has been read, so no more than the limit is ever held. */
public final class BoundedInputStream extends FilterInputStream {

    private final long limit;
    private long count;

    /** Wraps {@code in}, allowing at most {@code limit} bytes. */
    public BoundedInputStream(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            count(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
            count(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(n);
        count(skipped);
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void count(long n) {
        count += n;
        if (count > limit) {
            throw new HttpException(Status.CONTENT_TOO_LARGE, "Content Too Large");
        }
    }
}
