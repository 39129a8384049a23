package dev.ferry.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Gzip (RFC 1952) framing around a pooled raw deflater. Unlike {@link java.util.zip.GZIPOutputStream}
 * it borrows its deflater from a pool and returns it when finished, and its {@link #flush()} always
 * does a sync flush and then flushes downstream, so whatever the app flushed reaches the client.
 */
public final class GzipOutput extends OutputStream {

    private static final byte[] HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final int BUFFER = Deflaters.BUFFER;

    private final OutputStream out;
    private final Deflaters pool;
    private final CRC32 crc = new CRC32();
    private Deflaters.Lease lease;
    private Deflater deflater;
    private byte[] buffer;
    private boolean started;
    private boolean finished;

    /** Creates a stream that writes gzip to {@code out} with a deflater from the pool. */
    public GzipOutput(OutputStream out, Deflaters pool) {
        this.out = out;
        this.pool = pool;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (finished) {
            throw new IOException("the gzip stream is finished");
        }
        if (length == 0) {
            return;
        }
        start();
        crc.update(bytes, offset, length);
        deflater.setInput(bytes, offset, length);
        while (!deflater.needsInput()) {
            int n = deflater.deflate(buffer, 0, BUFFER, Deflater.NO_FLUSH);
            if (n > 0) {
                out.write(buffer, 0, n);
            }
        }
    }

    /** Compresses what was written so far with a sync flush and flushes downstream. */
    @Override
    public void flush() throws IOException {
        if (finished) {
            return;
        }
        if (started) {
            int n;
            do {
                n = deflater.deflate(buffer, 0, BUFFER, Deflater.SYNC_FLUSH);
                if (n > 0) {
                    out.write(buffer, 0, n);
                }
            } while (n == BUFFER);
        }
        out.flush();
    }

    /** Writes the end of the deflate stream and the gzip trailer, and gives the deflater back. */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        start();
        deflater.finish();
        while (true) {
            int n = deflater.deflate(buffer, 0, BUFFER - 8);
            if (deflater.finished()) {
                // the trailer goes out with the last block: one write less
                writeInt(buffer, n, (int) crc.getValue());
                writeInt(buffer, n + 4, (int) deflater.getBytesRead());
                out.write(buffer, 0, n + 8);
                break;
            }
            if (n > 0) {
                out.write(buffer, 0, n);
            }
        }
        finished = true;
        Deflaters.Lease done = lease;
        lease = null;
        deflater = null;
        pool.give(done);
    }

    /** Ends the deflater of a stream that failed before it finished: its state cannot be trusted. */
    public void release() {
        if (lease != null) {
            lease.deflater.end();
            lease = null;
            deflater = null;
        }
        finished = true;
    }

    private void start() throws IOException {
        if (!started) {
            started = true;
            lease = pool.take();
            deflater = lease.deflater;
            buffer = lease.buffer;
            out.write(HEADER);
        }
    }

    private static void writeInt(byte[] to, int at, int value) {
        to[at] = (byte) value;
        to[at + 1] = (byte) (value >>> 8);
        to[at + 2] = (byte) (value >>> 16);
        to[at + 3] = (byte) (value >>> 24);
    }

    @Override
    public void close() throws IOException {
        // the filter finishes the stream when the body is written; an app's close only flushes
        flush();
    }
}
