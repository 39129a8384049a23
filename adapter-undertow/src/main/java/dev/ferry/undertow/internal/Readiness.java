package dev.ferry.undertow.internal;

import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.nio.channels.Channel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.xnio.ChannelListener;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

/**
 * Parks the calling (virtual) thread until a channel is readable or writable, woken by the channel's
 * listener on the IO thread. XNIO's own blocking waits open a selector per thread, which does not suit
 * a virtual thread per request.
 */
final class Readiness implements ChannelListener<Channel> {

    private static final long RECHECK = TimeUnit.MILLISECONDS.toNanos(500);

    private final HttpServerExchange exchange;
    private final long stallNanos;
    private volatile Thread waiter;
    private volatile boolean fired;

    /** Waits for the exchange's connection, closing it when it makes no progress for {@code stallNanos}. */
    Readiness(HttpServerExchange exchange, long stallNanos) {
        this.exchange = exchange;
        this.stallNanos = stallNanos;
    }

    @Override
    public void handleEvent(Channel channel) {
        if (channel instanceof StreamSourceChannel source) {
            source.suspendReads();
        } else if (channel instanceof StreamSinkChannel sink) {
            sink.suspendWrites();
        }
        fired = true;
        Thread thread = waiter;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    void awaitReadable(StreamSourceChannel channel) throws IOException {
        fired = false;
        waiter = Thread.currentThread();
        channel.getReadSetter().set(this);
        channel.resumeReads();
        park(channel);
    }

    void awaitWritable(StreamSinkChannel channel) throws IOException {
        fired = false;
        waiter = Thread.currentThread();
        channel.getWriteSetter().set(this);
        channel.resumeWrites();
        park(channel);
    }

    private void park(Channel channel) throws IOException {
        long deadline = System.nanoTime() + stallNanos;
        while (!fired) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                FerryHandler.closeQuietly(exchange.getConnection());
                throw new IOException("the client made no progress for " + stallNanos / 1_000_000 + " ms");
            }
            LockSupport.parkNanos(this, Math.min(left, RECHECK));
            if (!fired && !channel.isOpen()) {
                throw new IOException("connection closed");
            }
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
        }
        waiter = null;
    }
}
