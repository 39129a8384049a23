package dev.ferry.netty.internal;

import dev.ferry.server.Execution;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Dispatcher;
import dev.ferry.spi.WorkerBatch;
import io.netty.channel.EventLoop;
import io.netty.channel.SingleThreadEventLoop;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.util.concurrent.FastThreadLocal;

/** What every connection of one server shares: the dispatcher, the limits, the Date header, the workers. */
final class Settings {

    final Dispatcher dispatcher;
    final ServerConfig config;
    final boolean inline;
    final long maxRequestBody;
    final long headerTimeoutNanos;
    final long idleTimeoutNanos;
    final long checkPeriodNanos;
    final DateHeader date = new DateHeader();
    /** Response headers: names and values are checked, so a CR or LF from an app cannot split a response. */
    final HttpHeadersFactory headers = DefaultHttpHeadersFactory.headersFactory().withValidation(true).withValueValidation(true);
    private final FastThreadLocal<WorkerBatch> batches = new FastThreadLocal<>();

    Settings(Dispatcher dispatcher, ServerConfig config) {
        this.dispatcher = dispatcher;
        this.config = config;
        this.inline = config.execution().orElse(Execution.VIRTUAL_THREADS) == Execution.IO_THREAD;
        this.maxRequestBody = config.maxRequestBody();
        this.headerTimeoutNanos = config.requestHeaderTimeout().toNanos();
        this.idleTimeoutNanos = config.idleTimeout().toNanos();
        this.checkPeriodNanos = Math.max(10_000_000L, Math.min(headerTimeoutNanos, idleTimeoutNanos) / 8);
    }

    /** Runs the task on a new virtual thread; on the event loop, started with the others of this loop turn. */
    void startWorker(EventLoop loop, Runnable task) {
        if (!(loop instanceof SingleThreadEventLoop single) || !loop.inEventLoop()) {
            WorkerBatch.start(task);
            return;
        }
        WorkerBatch batch = batches.get();
        if (batch == null) {
            batch = new WorkerBatch(single::executeAfterEventLoopIteration);
            batches.set(batch);
        }
        batch.add(task);
    }
}
