package dev.ferry.netty.internal;

import dev.ferry.HttpException;
import dev.ferry.Status;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A request body as the handler reads it, fed by the event loop as content arrives. At most a few
 * buffers wait here: past {@link #HIGH_BYTES} or {@link #HIGH_BUFFERS} the connection stops reading
 * from the socket, and it reads again once the handler has taken what was queued.
 */
final class RequestBody extends InputStream {

    static final int HIGH_BYTES = 256 * 1024;
    static final int HIGH_BUFFERS = 32;

    /** The connection side: pauses and resumes reading from the socket. */
    interface Flow {
        void pauseBody();

        void resumeBody();
    }

    private final Flow flow;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    private int queuedBytes;
    private boolean complete;
    private boolean closed;
    private boolean paused;
    private RuntimeException failure;
    private IOException broken;

    RequestBody(Flow flow) {
        this.flow = flow;
    }

    /** Adds content from the socket, taking ownership of the buffer; on the event loop. */
    void offer(ByteBuf content) {
        boolean pause = false;
        lock.lock();
        try {
            if (closed || complete || failure != null || broken != null) {
                content.release();
                return;
            }
            queue.add(content);
            queuedBytes += content.readableBytes();
            if (!paused && (queuedBytes >= HIGH_BYTES || queue.size() >= HIGH_BUFFERS)) {
                paused = true;
                pause = true;
            }
            arrived.signal();
        } finally {
            lock.unlock();
        }
        if (pause) {
            flow.pauseBody();
        }
    }

    /** Marks the end of the body; on the event loop. */
    void complete() {
        lock.lock();
        try {
            complete = true;
            arrived.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Makes reads fail: the body was malformed (400) or the connection is gone (an IOException). */
    void fail(RuntimeException malformed, IOException gone) {
        lock.lock();
        try {
            if (!complete) {
                failure = malformed;
                broken = gone;
            }
            arrived.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Returns whether the whole body arrived. */
    boolean isComplete() {
        lock.lock();
        try {
            return complete;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] into, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        boolean resume = false;
        int n;
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    throw new IOException("the request body was closed");
                }
                ByteBuf head = queue.peek();
                if (head != null) {
                    n = Math.min(length, head.readableBytes());
                    head.readBytes(into, offset, n);
                    queuedBytes -= n;
                    if (!head.isReadable()) {
                        queue.poll().release();
                    }
                    if (paused && queuedBytes < HIGH_BYTES / 2 && queue.size() < HIGH_BUFFERS / 2) {
                        paused = false;
                        resume = true;
                    }
                    break;
                }
                if (failure != null) {
                    throw failure;
                }
                if (broken != null) {
                    throw broken;
                }
                if (complete) {
                    return -1;
                }
                try {
                    arrived.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while reading the request body");
                }
            }
        } finally {
            lock.unlock();
        }
        if (resume) {
            flow.resumeBody();
        }
        return n;
    }

    @Override
    public int available() {
        lock.lock();
        try {
            return queuedBytes;
        } finally {
            lock.unlock();
        }
    }

    /** Drops what is queued and what still arrives; the reader is done with it. */
    @Override
    public void close() {
        boolean resume;
        lock.lock();
        try {
            closed = true;
            resume = paused;
            paused = false;
            releaseQueued();
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        if (resume) {
            flow.resumeBody();
        }
    }

    private void releaseQueued() {
        ByteBuf buffer;
        while ((buffer = queue.poll()) != null) {
            buffer.release();
        }
        queuedBytes = 0;
    }

    static HttpException malformed() {
        return new HttpException(Status.BAD_REQUEST, "Bad Request");
    }
}
