package dev.ferry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Server-sent events ({@code text/event-stream}, as the HTML standard defines it). {@link #stream}
 * returns a response whose body runs the producer: each event sent is flushed to the client at once, a
 * comment line goes out as a heartbeat whenever nothing was sent for the heartbeat interval (so that
 * proxies keep the connection), and a client that goes away is noticed by the first write that fails,
 * the heartbeat's included: {@link Events#send} then throws {@link ClosedException},
 * {@link Events#isOpen()} turns false and the {@link Events#onClose} actions run, within about two
 * heartbeat intervals of the client leaving.
 *
 * <pre>{@code
 * router.get("/updates", request -> Sse.stream(request, events -> {
 *     long next = events.lastEventId().map(Long::parseLong).orElse(0L);
 *     while (events.isOpen()) {
 *         Update update = updates.take(next++);
 *         events.send(Sse.event().id(Long.toString(update.id())).name("update").data(update.json()));
 *     }
 * }));
 * }</pre>
 */
public final class Sse {

    /** The heartbeat interval of {@link #stream(Request, Producer)}. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);

    private static final System.Logger LOG = System.getLogger("dev.ferry");
    private static final byte[] HEARTBEAT = ":\n\n".getBytes(StandardCharsets.US_ASCII);

    private Sse() {
    }

    /** Returns a response that streams the producer's events, with a heartbeat every 15 seconds of silence. */
    public static Response stream(Request request, Producer producer) {
        return stream(request, DEFAULT_HEARTBEAT, producer);
    }

    /**
     * Returns a response that streams the producer's events, with a heartbeat comment after every
     * {@code heartbeat} of silence: 200, {@code Content-Type: text/event-stream},
     * {@code Cache-Control: no-cache} and {@code X-Accel-Buffering: no} (so nginx passes each event on
     * at once). The head is sent before the producer runs.
     */
    public static Response stream(Request request, Duration heartbeat, Producer producer) {
        if (heartbeat.isNegative() || heartbeat.isZero()) {
            throw new IllegalArgumentException("the heartbeat interval must be positive");
        }
        String lastEventId = request.headers().firstOrNull("Last-Event-ID");
        Body body = Body.streamed(out -> new Events(out, heartbeat, lastEventId).run(producer));
        return Response.of(Status.OK, Headers.of("Content-Type", "text/event-stream", "Cache-Control", "no-cache",
                "X-Accel-Buffering", "no"), body);
    }

    /** Returns an event with no field set. */
    public static Event event() {
        return Event.EMPTY;
    }

    /** Returns an event with this data. */
    public static Event event(String data) {
        return Event.EMPTY.data(data);
    }

    /** Sends the events of one stream; runs on the request's thread and may block. */
    @FunctionalInterface
    public interface Producer {
        /** Sends events until done, or until the client goes away; the stream ends when this returns. */
        void produce(Events events) throws Exception;
    }

    /** Thrown when sending on a stream whose client went away or which was closed. */
    public static final class ClosedException extends IOException {
        private static final long serialVersionUID = 1L;

        ClosedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * One event: the fields {@code id}, {@code event} (its name), {@code retry} and {@code data}, as an
     * immutable value whose methods return copies. Names and ids are checked, so that no value can
     * start another field: a CR or LF in them (or a NUL in an id, which browsers ignore) fails.
     */
    public static final class Event {
        static final Event EMPTY = new Event(null, null, null, -1);

        private final String id;
        private final String name;
        private final String data;
        private final long retryMillis;

        private Event(String id, String name, String data, long retryMillis) {
            this.id = id;
            this.name = name;
            this.data = data;
            this.retryMillis = retryMillis;
        }

        /**
         * Returns a copy with this id, which the client sends back as {@code Last-Event-ID} when it
         * reconnects; the empty id clears it.
         *
         * @throws IllegalArgumentException when the id holds a CR, LF or NUL
         */
        public Event id(String id) {
            check(id, "id", true);
            return new Event(id, name, data, retryMillis);
        }

        /**
         * Returns a copy with this event name (the {@code event} field): the client dispatches it to
         * listeners of that name instead of {@code message}.
         *
         * @throws IllegalArgumentException when the name holds a CR or LF
         */
        public Event name(String name) {
            check(name, "event name", false);
            return new Event(id, name, data, retryMillis);
        }

        /** Returns a copy with this data; each line of it (split at CR LF, CR or LF) goes out as a {@code data} line. */
        public Event data(String data) {
            return new Event(id, name, java.util.Objects.requireNonNull(data, "data"), retryMillis);
        }

        /** Returns a copy that tells the client how long to wait before reconnecting. */
        public Event retry(Duration retry) {
            if (retry.isNegative()) {
                throw new IllegalArgumentException("the retry delay must not be negative");
            }
            return new Event(id, name, data, retry.toMillis());
        }

        /** Returns the id, if set. */
        public Optional<String> id() {
            return Optional.ofNullable(id);
        }

        /** Returns the event name, if set. */
        public Optional<String> name() {
            return Optional.ofNullable(name);
        }

        /** Returns the data, if set. */
        public Optional<String> data() {
            return Optional.ofNullable(data);
        }

        /** Returns the event as it goes on the wire, ending with the blank line that dispatches it. */
        public String format() {
            StringBuilder text = new StringBuilder();
            if (id != null) {
                text.append("id: ").append(id).append('\n');
            }
            if (name != null) {
                text.append("event: ").append(name).append('\n');
            }
            if (retryMillis >= 0) {
                text.append("retry: ").append(retryMillis).append('\n');
            }
            if (data != null) {
                for (String line : lines(data)) {
                    text.append("data: ").append(line).append('\n');
                }
            }
            return text.append('\n').toString();
        }

        @Override
        public String toString() {
            return format();
        }

        private static void check(String value, String what, boolean id) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '\r' || c == '\n' || (id && c == 0)) {
                    throw new IllegalArgumentException("an event's " + what + " must not hold "
                            + (c == 0 ? "NUL" : c == '\r' ? "CR" : "LF") + ": it would end its field");
                }
            }
        }
    }

    /** Splits at CR LF, CR or LF, as an event stream's parser does; the text "" is one empty line. */
    static List<String> lines(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r' || c == '\n') {
                lines.add(text.substring(start, i));
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        lines.add(text.substring(start));
        return lines;
    }

    /**
     * The sending side of one event stream, safe to use from any thread: the producer's, a heartbeat's,
     * or those of whatever publishes events.
     */
    public static final class Events {
        private final OutputStream out;
        private final Duration heartbeat;
        private final String lastEventId;
        private final ReentrantLock writing = new ReentrantLock();
        private final CountDownLatch closed = new CountDownLatch(1);
        private final List<Runnable> closeActions = new ArrayList<>();
        private volatile long lastWrite = System.nanoTime();
        private volatile IOException failure;
        private volatile boolean ended;

        private Events(OutputStream out, Duration heartbeat, String lastEventId) {
            this.out = out;
            this.heartbeat = heartbeat;
            this.lastEventId = lastEventId;
        }

        /** Returns the {@code Last-Event-ID} the client sent when it reconnected, if any. */
        public Optional<String> lastEventId() {
            return Optional.ofNullable(lastEventId);
        }

        /**
         * Sends the event and flushes it to the client.
         *
         * @throws ClosedException when the client went away or the stream was closed
         */
        public void send(Event event) throws IOException {
            write(event.format().getBytes(StandardCharsets.UTF_8));
        }

        /** Sends an event with this data and no other field. */
        public void send(String data) throws IOException {
            send(event(data));
        }

        /** Sends a comment, which clients ignore: one {@code :} line per line of the text. */
        public void comment(String text) throws IOException {
            StringBuilder lines = new StringBuilder();
            for (String line : lines(text)) {
                lines.append(": ").append(line).append('\n');
            }
            write(lines.toString().getBytes(StandardCharsets.UTF_8));
        }

        /** Returns whether events can still be sent: false once the client went away or the stream closed. */
        public boolean isOpen() {
            return !ended;
        }

        /**
         * Runs the action once the stream closes: the client went away, {@link #close()} was called or the
         * producer returned; at once when it is already closed. Actions run on the thread that noticed.
         */
        public void onClose(Runnable action) {
            writing.lock();
            try {
                if (!ended) {
                    closeActions.add(action);
                    return;
                }
            } finally {
                writing.unlock();
            }
            action.run();
        }

        /** Blocks until the stream closes and its close actions ran; for producers that hand {@link #send} to other threads. */
        public void awaitClose() throws InterruptedException {
            closed.await();
        }

        /** Waits up to the timeout for the stream to close; returns whether it did. */
        public boolean awaitClose(Duration timeout) throws InterruptedException {
            return closed.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        /** Closes the stream: sends fail from now on, and the response ends once the producer returns. */
        public void close() {
            end(null);
        }

        private void write(byte[] bytes) throws IOException {
            IOException gone;
            writing.lock();
            try {
                if (ended) {
                    throw new ClosedException(failure != null ? "the client has gone away" : "the event stream is closed",
                            failure);
                }
                try {
                    out.write(bytes);
                    out.flush();
                    lastWrite = System.nanoTime();
                    return;
                } catch (IOException e) {
                    gone = e;
                }
            } finally {
                writing.unlock();
            }
            end(gone);
            throw new ClosedException("the client has gone away", gone);
        }

        private void end(IOException cause) {
            writing.lock();
            try {
                if (ended) {
                    return;
                }
                ended = true;
                failure = cause;
            } finally {
                writing.unlock();
            }
            try {
                runCloseActions();
            } finally {
                closed.countDown();
            }
        }

        private void runCloseActions() {
            List<Runnable> actions;
            writing.lock();
            try {
                actions = List.copyOf(closeActions);
                closeActions.clear();
            } finally {
                writing.unlock();
            }
            for (Runnable action : actions) {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    // one failing action must not keep the others, or the stream's end, from happening
                    LOG.log(System.Logger.Level.WARNING, "an event stream's close action failed", dev.ferry.internal.Loggable.of(e));
                }
            }
        }

        /** Sends the head, runs the producer beside a heartbeat, then ends the stream. */
        void run(Producer producer) throws IOException {
            out.flush();
            lastWrite = System.nanoTime();
            Thread beat = Thread.ofVirtual().name("ferry-sse-heartbeat").start(this::beat);
            try {
                producer.produce(this);
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while streaming events");
            } catch (Exception e) {
                throw new java.io.UncheckedIOException(new IOException("the event producer failed", e));
            } finally {
                // the heartbeat sees the stream closed and stops; interrupting it could close a channel it writes to
                end(null);
            }
            if (failure != null) {
                // the client went away: the engine cuts what is left of the connection
                throw failure;
            }
        }

        private void beat() {
            long interval = heartbeat.toNanos();
            try {
                while (isOpen()) {
                    long wait = lastWrite + interval - System.nanoTime();
                    if (wait > 0) {
                        closed.await(wait, TimeUnit.NANOSECONDS);
                        continue;
                    }
                    try {
                        write(HEARTBEAT);
                    } catch (IOException e) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                // the producer returned
            }
        }
    }
}
