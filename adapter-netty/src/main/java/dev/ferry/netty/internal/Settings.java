package dev.ferry.netty.internal;

import dev.ferry.server.Execution;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Dispatcher;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeadersFactory;
import java.util.concurrent.ThreadFactory;

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
    private final ThreadFactory workers = Thread.ofVirtual().factory();

    Settings(Dispatcher dispatcher, ServerConfig config) {
        this.dispatcher = dispatcher;
        this.config = config;
        this.inline = config.execution() == Execution.IO_THREAD;
        this.maxRequestBody = config.maxRequestBody();
        this.headerTimeoutNanos = config.requestHeaderTimeout().toNanos();
        this.idleTimeoutNanos = config.idleTimeout().toNanos();
        this.checkPeriodNanos = Math.max(10_000_000L, Math.min(headerTimeoutNanos, idleTimeoutNanos) / 8);
    }

    /** Runs the task on a new virtual thread. */
    void startWorker(Runnable task) {
        workers.newThread(task).start();
    }
}
