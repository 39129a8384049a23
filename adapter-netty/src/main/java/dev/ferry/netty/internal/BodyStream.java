package dev.ferry.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A request body as the app reads it, fed by the event loop of an HTTP/1 connection or an HTTP/2 stream:
 * its channel is not read while {@code high} bytes wait, and is read again once half of them are taken.
 */
final class BodyStream extends InputStream {

    /** Buffers, then the end (this body) or the exception that every later read throws. */
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final Channel channel;
    private final Runnable updateReading;
    private final long timeoutNanos;
    private final int high;
    private ByteBuf head;
    private Object last;

    /** A body whose reader runs {@code updateReading} on the channel's event loop when the waiting bytes drop below half. */
    BodyStream(Channel channel, Runnable updateReading, long timeoutNanos, int high) {
        this.channel = channel;
        this.updateReading = updateReading;
        this.timeoutNanos = timeoutNanos;
        this.high = high;
    }

    /** Takes the bytes (and their reference); returns whether the channel should stop being read. On the event loop. */
    boolean offer(ByteBuf bytes) {
        if (!bytes.isReadable()) {
            bytes.release();
            return false;
        }
        return queue.offer(bytes) && waiting.addAndGet(weight(bytes)) >= high;
    }

    /** Marks the end of the body; on the event loop. */
    void end() {
        queue.add(this);
    }

    /** Drops what waits and makes every later read throw the exception; on the event loop. */
    void fail(Exception cause) { // the first failure stays: a broken body is 400 even if the client then leaves
        for (Object waited; (waited = queue.poll()) != null; ) {
            cause = waited instanceof Exception first ? first : cause;
            ReferenceCountUtil.release(waited);
        }
        queue.add(cause);
    }

    /** Drops what the reader took and did not finish; once the exchange is over, on the event loop. */
    void release() {
        ReferenceCountUtil.release(head);
    }

    /** Returns whether too much waits: {@code high} while the channel is read, half of it once it is not. */
    boolean full(boolean reading) {
        return waiting.get() >= (reading ? high : high / 2);
    }

    private static int weight(ByteBuf bytes) { // at least 8 KiB, so small chunks count; a slice keeps its capacity
        return Math.max(8192, bytes.capacity());
    }

    @Override
    public int read() throws IOException { byte[] one = new byte[1]; return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF; }

    @Override
    public int read(byte[] into, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        while (head == null) {
            try {
                last = last != null ? last : queue.poll(timeoutNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading the request body");
            }
            if (last instanceof ByteBuf bytes) {
                head = bytes;
                last = null;
            } else if (last == null) {
                throw new SocketTimeoutException("no byte of the request body came within the body read timeout");
            } else if (last instanceof IOException e) {
                throw e;
            } else if (last instanceof RuntimeException e) {
                throw e;
            } else {
                return -1;
            }
        }
        int n = Math.min(length, head.readableBytes());
        head.readBytes(into, offset, n);
        if (!head.isReadable()) {
            int weight = weight(head);
            head.release();
            head = null;
            int left = waiting.addAndGet(-weight);
            if (left < high / 2 && left + weight >= high / 2) {
                channel.eventLoop().execute(updateReading);
            }
        }
        return n;
    }
}
