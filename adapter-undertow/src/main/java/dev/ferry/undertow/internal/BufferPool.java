package dev.ferry.undertow.internal;

import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.DefaultByteBufferPool;

/**
 * Undertow's buffer pool with its per-thread cache kept for the IO threads only. A virtual thread lives
 * for one request, so a per-thread cache would allocate (and zero) a fresh direct buffer every time;
 * virtual threads take from the shared queue instead.
 */
final class BufferPool implements ByteBufferPool {

    private static final int SIZE = 16 * 1024;
    private static final int MAX_POOLED = 1024;

    private final DefaultByteBufferPool platform = new DefaultByteBufferPool(true, SIZE, MAX_POOLED, 12);
    private final DefaultByteBufferPool shared = new DefaultByteBufferPool(true, SIZE, MAX_POOLED, 0);

    @Override
    public PooledByteBuffer allocate() {
        return Thread.currentThread().isVirtual() ? shared.allocate() : platform.allocate();
    }

    @Override
    public ByteBufferPool getArrayBackedPool() {
        return platform.getArrayBackedPool();
    }

    @Override
    public void close() {
        platform.close();
        shared.close();
    }

    @Override
    public int getBufferSize() {
        return SIZE;
    }

    @Override
    public boolean isDirect() {
        return true;
    }
}
