package dev.ferry.spi;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * A streamed response body as the app writes it. Bytes gather in a buffer that goes to the server
 * when full or flushed; the head goes out with the first of these, so an app that fails before then
 * can still be answered with an error. A body that would run past its Content-Length, or ends short
 * of it, fails: the engine then cuts the connection.
 */
final class ResponseOutput extends OutputStream {

    private static final int BUFFER = 8192;

    private final Exchange exchange;
    private final ResponseHead head;
    private final long declared;
    private byte[] buffer;
    private int size;
    private long written;
    private boolean committed;
    private boolean finished;

    ResponseOutput(Exchange exchange, ResponseHead head) {
        this.exchange = exchange;
        this.head = head;
        this.declared = head.framing() == ResponseHead.Framing.LENGTH ? head.contentLength() : -1;
    }

    /** Returns the number of body bytes the app has written. */
    long written() {
        return written;
    }

    /** Returns whether the head was handed to the server, after which an error can only cut the connection. */
    boolean committed() {
        return committed;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (finished) {
            throw new IOException("the response is complete");
        }
        if (declared >= 0 && written + length > declared) {
            throw new IOException("the body is longer than its Content-Length of " + declared);
        }
        written += length;
        if (length >= BUFFER) {
            drainBuffer();
            exchange.write(ByteBuffer.wrap(bytes, offset, length));
            return;
        }
        if (buffer == null) {
            buffer = new byte[BUFFER];
        }
        while (length > 0) {
            int n = Math.min(length, BUFFER - size);
            System.arraycopy(bytes, offset, buffer, size, n);
            size += n;
            offset += n;
            length -= n;
            if (size == BUFFER) {
                drainBuffer();
            }
        }
    }

    @Override
    public void flush() throws IOException {
        if (!finished) {
            drainBuffer();
            exchange.flush();
        }
    }

    /** Sends what is buffered, or fails when the body fell short of its length; the engine then ends the response. */
    void complete() throws IOException {
        if (declared >= 0 && written != declared) {
            throw new IOException("the body ended after " + written + " of its Content-Length of " + declared + " bytes");
        }
        drainBuffer();
        finished = true;
    }

    private void drainBuffer() throws IOException {
        commit();
        if (size > 0) {
            ByteBuffer out = ByteBuffer.wrap(buffer, 0, size);
            size = 0;
            exchange.write(out);
        }
    }

    private void commit() throws IOException {
        if (!committed) {
            committed = true;
            exchange.writeHead(head);
        }
    }

    @Override
    public void close() throws IOException {
        // the engine ends the response when the writer returns; an app's close only flushes
        flush();
    }
}
