package dev.ferry.tomcat.internal;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.coyote.Processor;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * Tomcat's NIO HTTP/1.1 protocol with a deadline for a whole request head. Tomcat's
 * {@code connectionTimeout} bounds each read, so a client that drips a byte now and then would keep
 * its connection forever; here a connection still reading its request line and headers after the
 * request header timeout is closed, as the contract asks. It never holds a worker meanwhile: Tomcat
 * parses request heads without blocking.
 */
public final class Http11Protocol extends Http11NioProtocol {

    private ScheduledExecutorService timer;
    private long headerTimeoutNanos = TimeUnit.SECONDS.toNanos(10);

    /** Creates the protocol; the connector configures it. */
    public Http11Protocol() {
    }

    /** Sets how long a client may take to send a request's line and headers. */
    public void headerTimeout(Duration timeout) {
        headerTimeoutNanos = timeout.toNanos();
    }

    @Override
    public void start() throws Exception {
        super.start();
        timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "ferry-tomcat-header-deadline");
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(20), Math.min(headerTimeoutNanos / 8,
                TimeUnit.MILLISECONDS.toNanos(250)));
        timer.scheduleAtFixedRate(this::closeLateHeads, period, period, TimeUnit.NANOSECONDS);
    }

    private void closeLateHeads() {
        long now = System.nanoTime();
        // a processor parked on a connection with a started request is waiting for the rest of its head
        for (SocketWrapperBase<?> connection : getEndpoint().getConnections()) {
            if (connection.getCurrentProcessor() instanceof Processor processor) {
                org.apache.coyote.Request request = processor.getRequest();
                long started = request.getStartTimeNanos();
                int stage = request.getRequestProcessor().getStage();
                boolean readingHead = stage == org.apache.coyote.Constants.STAGE_PARSE
                        || stage == org.apache.coyote.Constants.STAGE_ENDED;
                if (readingHead && started != -1 && now - started > headerTimeoutNanos) {
                    close(connection);
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private <S> void close(SocketWrapperBase<S> connection) {
        if (!((org.apache.tomcat.util.net.AbstractEndpoint<S, ?>) getEndpoint()).processSocket(connection,
                SocketEvent.ERROR, true)) {
            connection.close();
        }
    }

    @Override
    public void stop() throws Exception {
        if (timer != null) {
            timer.shutdownNow();
        }
        super.stop();
    }
}
