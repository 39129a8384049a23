package dev.ferry.internal;

import dev.ferry.Request;
import dev.ferry.WebSocket;
import dev.ferry.spi.WebSocketEvents;
import dev.ferry.spi.WebSocketTransport;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One WebSocket session, the same on every server: it runs the listener's events one at a time on a
 * virtual thread, orders the sends, and makes every decision a server could make differently: the
 * size limit (1009), the idle timeout (1001), a failing endpoint (1011), and the last event.
 */
public final class WebSocketSession implements WebSocket.Session {

    private static final System.Logger LOG = System.getLogger("dev.ferry");
    /** Events waiting for the listener above which the connection is not read, and at or below which it is again. */
    private static final int PAUSE_ABOVE = 32;
    private static final int RESUME_AT = 8;
    private static final ScheduledExecutorService TIMER = timer();

    private final Request request;
    private final WebSocket.Endpoint endpoint;
    private final String subprotocol;
    private final int maxMessageSize;
    private final long idleNanos;
    private final Consumer<WebSocketSession> onEnd;
    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final WebSocketEvents events = new Events();
    private volatile WebSocketTransport transport;
    private volatile boolean closeSent;
    private final Object readGate = new Object();
    private volatile boolean paused;
    private volatile int pauseAbove = PAUSE_ABOVE;
    private volatile int resumeAt = RESUME_AT;
    private volatile long lastActivity = System.nanoTime();
    private volatile ScheduledFuture<?> idleCheck;
    private int sentCode = WebSocket.ABNORMAL;
    private String sentReason = "";
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    private CompletableFuture<Void> closing;
    // touched only by the thread that runs the events
    private WebSocket.Listener listener;
    private boolean failed;

    /** A session for the upgrade request, with the agreed subprotocol (empty for none); {@code onEnd} runs once when it is over. */
    public WebSocketSession(Request request, WebSocket.Endpoint endpoint, String subprotocol, int maxMessageSize,
                            long idleNanos, Consumer<WebSocketSession> onEnd) {
        this.request = request;
        this.endpoint = endpoint;
        this.subprotocol = subprotocol;
        this.maxMessageSize = maxMessageSize;
        this.idleNanos = idleNanos;
        this.onEnd = onEnd;
    }

    private static ScheduledExecutorService timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "ferry-websocket-idle");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /** Starts the session on this transport: the endpoint opens, and the idle timeout runs. */
    public void start(WebSocketTransport transport) {
        if (transport.closesOnBrokenFrames()) {
            pauseAbove = 0;
            resumeAt = 0;
        }
        this.transport = transport;
        scheduleIdleCheck(idleNanos);
        post(() -> {
            WebSocket.Listener opened = endpoint.open(this);
            if (opened == null) {
                throw new IllegalStateException("the WebSocket endpoint returned no listener");
            }
            listener = opened;
        });
    }

    @Override
    public Request request() {
        return request;
    }

    @Override
    public CompletionStage<Void> text(String message) {
        return send(t -> t.text(message));
    }

    @Override
    public CompletionStage<Void> binary(ByteBuffer message) {
        return send(t -> t.binary(message));
    }

    @Override
    public CompletionStage<Void> ping(ByteBuffer data) {
        if (data.remaining() > 125) {
            throw new IllegalArgumentException("a ping carries at most 125 bytes, not " + data.remaining());
        }
        return send(t -> t.ping(data));
    }

    @Override
    public CompletionStage<Void> close(int code, String reason) {
        boolean sendable = code >= 1000 && code <= 1003 || code >= 1007 && code <= 1011 || code >= 3000 && code <= 4999;
        if (!sendable) {
            throw new IllegalArgumentException("a close code to send is 1000-1003, 1007-1011 or 3000-4999, not " + code);
        }
        if (reason.getBytes(StandardCharsets.UTF_8).length > 123) {
            throw new IllegalArgumentException("a close reason is at most 123 UTF-8 bytes");
        }
        return closeWith(code, reason);
    }

    @Override
    public boolean isOpen() {
        return !closeSent && !ended.get();
    }

    @Override
    public String subprotocol() {
        return subprotocol;
    }

    /** Sends a close frame unless one was sent; returns the stage of the one close frame. */
    private synchronized CompletionStage<Void> closeWith(int code, String reason) {
        if (closing != null) {
            return closing;
        }
        if (ended.get()) {
            return closing = CompletableFuture.failedFuture(new IllegalStateException("the WebSocket session is over"));
        }
        closeSent = true;
        sentCode = code;
        sentReason = reason;
        closing = tail.handle((v, e) -> null).thenCompose(v -> transport.close(code, reason)).toCompletableFuture();
        tail = closing;
        return closing;
    }

    private synchronized CompletionStage<Void> send(Function<WebSocketTransport, CompletionStage<Void>> frame) {
        if (closeSent || ended.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("the WebSocket session is closed"));
        }
        lastActivity = System.nanoTime();
        CompletableFuture<Void> sent = tail.handle((v, e) -> null).thenCompose(v -> frame.apply(transport)).toCompletableFuture();
        tail = sent;
        return sent;
    }

    /** Returns what the adapter reports to. */
    public WebSocketEvents events() {
        return events;
    }

    /** The events from the adapter, one at a time. */
    private final class Events implements WebSocketEvents {

        @Override
        public void text(String message) {
            lastActivity = System.nanoTime();
            if (message.length() > maxMessageSize / 3 && message.getBytes(StandardCharsets.UTF_8).length > maxMessageSize) {
                events.tooLarge();
                return;
            }
            postMessage(() -> {
                if (listener != null && !failed) {
                    listener.text(message);
                }
            });
        }

        @Override
        public void binary(ByteBuffer message) {
            lastActivity = System.nanoTime();
            if (message.remaining() > maxMessageSize) {
                events.tooLarge();
                return;
            }
            postMessage(() -> {
                if (listener != null && !failed) {
                    listener.binary(message);
                }
            });
        }

        @Override
        public void ping(ByteBuffer data) {
            lastActivity = System.nanoTime();
        }

        @Override
        public void pong(ByteBuffer data) {
            lastActivity = System.nanoTime();
            postMessage(() -> {
                if (listener != null && !failed) {
                    listener.pong(data);
                }
            });
        }

        @Override
        public void tooLarge() {
            closeWith(WebSocket.MESSAGE_TOO_BIG, "Message too big");
        }

        @Override
        public void protocolError(int code, Throwable failure) {
            // after the events that came before the broken frame, so that what they send goes out first
            post(() -> {
                try {
                    if (listener != null && !failed) {
                        listener.error(failure);
                    }
                } finally {
                    closeWith(code, "");
                }
            });
        }

        @Override
        public void closed(int code, String reason) {
            boolean ours;
            int sent;
            String why;
            synchronized (WebSocketSession.this) {
                ours = closing != null; // this side closed first: its code and reason say why the session ended
                closeSent = true; // the server answers the peer's close frame, or it answered ours
                if (closing == null) {
                    closing = CompletableFuture.completedFuture(null);
                }
                sent = sentCode;
                why = sentReason;
            }
            finish(ours ? sent : code, ours ? why : reason);
        }

        @Override
        public void ended(Throwable failure) {
            if (failure != null && !ended.get()) {
                post(() -> {
                    if (listener != null && !failed) {
                        listener.error(failure);
                    }
                });
            }
            int code;
            String reason;
            synchronized (WebSocketSession.this) {
                code = closeSent ? sentCode : WebSocket.ABNORMAL;
                reason = closeSent ? sentReason : "";
            }
            finish(code, reason);
        }
    }

    /** Closes with 1001 because the server stops. */
    public void goAway() {
        closeWith(WebSocket.GOING_AWAY, "Server stopping");
    }

    private void finish(int code, String reason) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> check = idleCheck;
        if (check != null) {
            check.cancel(false);
        }
        onEnd.accept(this);
        post(() -> {
            if (listener != null) {
                listener.closed(code, reason);
            }
        });
    }

    private void scheduleIdleCheck(long delay) {
        try {
            idleCheck = TIMER.schedule(this::checkIdle, delay, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the JVM is going down
        }
    }

    private void checkIdle() {
        if (ended.get()) {
            return;
        }
        long idle = System.nanoTime() - lastActivity;
        if (idle >= idleNanos) {
            if (!closeSent) {
                closeWith(WebSocket.GOING_AWAY, "Idle timeout");
                scheduleIdleCheck(TimeUnit.SECONDS.toNanos(5));
            } else {
                transport.abort(); // the close handshake never finished
                events.ended(null);
            }
        } else {
            scheduleIdleCheck(idleNanos - idle);
        }
    }

    /** A listener call; what it throws closes the session with 1011. */
    private interface Event {
        void run() throws Exception;
    }

    /** Posts a message from the peer, and stops reading while the endpoint is too far behind. */
    private void postMessage(Event event) {
        post(event);
        if (pending.get() > pauseAbove) {
            synchronized (readGate) {
                if (!paused && pending.get() > pauseAbove) {
                    paused = true;
                    transport.reading(false);
                }
            }
        }
    }

    private void post(Event event) {
        queue.add(() -> {
            try {
                event.run();
            } catch (Throwable e) {
                if (!failed) {
                    failed = true;
                    LOG.log(System.Logger.Level.ERROR, "a WebSocket endpoint failed; closing the session with 1011",
                            Loggable.of(e));
                    closeWith(WebSocket.INTERNAL_ERROR, "Internal Error");
                }
            }
        });
        if (pending.incrementAndGet() == 1) {
            Thread.ofVirtual().name("ferry-websocket").start(this::drain);
        }
    }

    private void drain() {
        int left;
        do {
            Runnable next = queue.poll();
            next.run();
            left = pending.decrementAndGet();
            // under the gate, so that a pause decided on a count taken before this event ended is seen here
            synchronized (readGate) {
                if (paused && pending.get() <= resumeAt) {
                    paused = false;
                    transport.reading(true);
                }
            }
        } while (left > 0);
    }
}
