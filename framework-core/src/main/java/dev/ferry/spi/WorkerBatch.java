package dev.ferry.spi;

import java.util.ArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * Starts the handlers one IO thread hands off, on virtual threads, in batches. The requests an IO
 * thread decodes in one turn of its loop are started together when the turn ends, by one virtual
 * thread that starts the others: the IO thread wakes a carrier thread once per turn rather than once
 * per request, so the two do not preempt each other on every request when they share a core.
 *
 * <p>One batch belongs to one IO thread and is used from that thread only.
 */
public final class WorkerBatch {

    private static final ThreadFactory THREADS = Thread.ofVirtual().name("ferry-handler").factory();

    private final Consumer<Runnable> atEndOfTurn;
    private final ArrayList<Runnable> tasks = new ArrayList<>();
    private final Runnable flush = this::flush;

    /**
     * Creates a batch for the calling IO thread; {@code atEndOfTurn} must run the task it is given
     * on this IO thread once the current turn of its loop is over, or throw
     * {@link RejectedExecutionException} when the loop is stopping.
     */
    public WorkerBatch(Consumer<Runnable> atEndOfTurn) {
        this.atEndOfTurn = atEndOfTurn;
    }

    /** Runs the task on a new virtual thread, started at the end of the current turn. */
    public void add(Runnable task) {
        if (tasks.isEmpty()) {
            try {
                atEndOfTurn.accept(flush);
            } catch (RejectedExecutionException stopping) {
                start(task);
                return;
            }
        }
        tasks.add(task);
    }

    /** Runs the task on a new virtual thread now. */
    public static void start(Runnable task) {
        THREADS.newThread(task).start();
    }

    private void flush() {
        Runnable[] started = tasks.toArray(Runnable[]::new);
        tasks.clear();
        if (started.length == 1) {
            start(started[0]);
        } else if (started.length > 1) {
            start(() -> {
                for (int i = 1; i < started.length; i++) {
                    start(started[i]);
                }
                started[0].run();
            });
        }
    }
}
