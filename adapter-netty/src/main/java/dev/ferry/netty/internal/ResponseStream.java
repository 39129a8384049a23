package dev.ferry.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpResponse;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The body of a streamed response as the app writes it on its own (virtual) thread. Content goes out
 * in chunks of up to {@link #CHUNK} bytes; each {@code flush()} sends what was written so far. When
 * the client does not read, the channel turns unwritable and the writer blocks here, so the server
 * never holds more than the channel's high water mark and one chunk.
 */
final class ResponseStream extends OutputStream {

    static final int CHUNK = 16 * 1024;

    private final Connection connection;
    private final long declared;
    private HttpResponse head;
    private ByteBuf buffer;
    private long written;
    private boolean closed;

    /** @param declared the length announced in Content-Length, or -1 when chunked or close-delimited */
    ResponseStream(Connection connection, HttpResponse head, long declared) {
        this.connection = connection;
        this.head = head;
        this.declared = declared;
    }

    /** Returns whether the status and headers were sent, after which an error can no longer replace them. */
    boolean committed() {
        return head == null;
    }

    /** Returns the status line and headers if they were not sent yet, and marks them sent. */
    HttpResponse takeHead() {
        HttpResponse pending = head;
        head = null;
        return pending;
    }

    long written() {
        return written;
    }

    /** Counts bytes the connection wrote directly, without this stream's buffer. */
    void count(long n) {
        written += n;
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        if (buffer == null) {
            buffer = connection.allocate(CHUNK);
        }
        if (!accept(1)) {
            return;
        }
        buffer.writeByte(b);
        if (!buffer.isWritable()) {
            send(false);
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        ensureOpen();
        while (length > 0) {
            if (buffer == null) {
                buffer = connection.allocate(CHUNK);
            }
            int n = Math.min(length, buffer.writableBytes());
            if (declared >= 0) {
                n = (int) Math.min(n, declared - written);
                if (n <= 0) {
                    throw new IOException("the body is longer than its Content-Length of " + declared);
                }
            }
            buffer.writeBytes(bytes, offset, n);
            written += n;
            offset += n;
            length -= n;
            if (!buffer.isWritable()) {
                send(false);
            }
        }
    }

    private boolean accept(int n) throws IOException {
        if (declared >= 0 && written + n > declared) {
            throw new IOException("the body is longer than its Content-Length of " + declared);
        }
        written += n;
        return true;
    }

    @Override
    public void flush() throws IOException {
        ensureOpen();
        send(true);
    }

    /** Sends what is buffered and, if asked or the chunk is full, flushes; blocks while the client is behind. */
    private void send(boolean flush) throws IOException {
        ByteBuf content = buffer;
        buffer = null;
        HttpResponse pending = takeHead();
        if (pending != null) {
            connection.writeFromWorker(pending, false);
        }
        if (content != null && content.isReadable()) {
            connection.writeFromWorker(new DefaultHttpContent(content), true);
        } else {
            if (content != null) {
                content.release();
            }
            if (flush) {
                connection.flushFromWorker();
            }
        }
        connection.awaitWritable();
    }

    /** Hands over the last buffered bytes, not yet written, to go out with the end of the message. */
    ByteBuf takeRest() {
        ByteBuf rest = buffer;
        buffer = null;
        closed = true;
        return rest;
    }

    /** Drops what is buffered after a failure. */
    void discard() {
        closed = true;
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
    }

    @Override
    public void close() {
        // the connection ends the message once the writer returns
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("the response has been sent");
        }
        if (!connection.isOpen()) {
            discard();
            throw new IOException("the connection was closed");
        }
    }
}
