package dev.ferry.examples.todo;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The todo example's data: todos in memory, and a numbered log of their changes that live pages
 * follow. A subscriber that falls behind by more than the log holds is told to start over from a
 * snapshot instead of growing a queue without bound.
 */
public final class TodoStore {

    /** One todo. */
    public record Todo(long id, String title, boolean done, List<Attachment> attachments) {
        public Todo {
            attachments = List.copyOf(attachments);
        }
    }

    /** A file attached to a todo: its sanitised name, size and SHA-256 in hex. */
    public record Attachment(String name, long size, String sha256) {
    }

    /** A change: a todo added or updated, or a todo deleted ({@code todo} then holds its last state). */
    public record Change(long sequence, boolean deleted, Todo todo) {
    }

    private static final int LOG_SIZE = 256;
    private static final int QUEUE_SIZE = 1024;

    private final Map<Long, Todo> todos = new ConcurrentHashMap<>();
    private final Deque<Change> log = new ArrayDeque<>();
    private final Set<Subscription> subscribers = ConcurrentHashMap.newKeySet();
    private long nextId = 1;
    private long sequence;

    /** Returns every todo, oldest first. */
    public List<Todo> all() {
        return todos.values().stream().sorted(Comparator.comparingLong(Todo::id)).toList();
    }

    /** Returns the todo with this id. */
    public Optional<Todo> find(long id) {
        return Optional.ofNullable(todos.get(id));
    }

    /** Adds a todo and announces it. */
    public synchronized Todo add(String title) {
        Todo todo = new Todo(nextId++, title, false, List.of());
        todos.put(todo.id(), todo);
        publish(false, todo);
        return todo;
    }

    /** Changes a todo's title or state (a null leaves it as it is) and announces it. */
    public synchronized Optional<Todo> update(long id, String title, Boolean done) {
        Todo old = todos.get(id);
        if (old == null) {
            return Optional.empty();
        }
        Todo todo = new Todo(id, title == null ? old.title() : title, done == null ? old.done() : done, old.attachments());
        todos.put(id, todo);
        publish(false, todo);
        return Optional.of(todo);
    }

    /** Adds attachments to a todo and announces it. */
    public synchronized Optional<Todo> attach(long id, List<Attachment> attachments) {
        Todo old = todos.get(id);
        if (old == null) {
            return Optional.empty();
        }
        List<Attachment> all = new ArrayList<>(old.attachments());
        all.addAll(attachments);
        Todo todo = new Todo(id, old.title(), old.done(), all);
        todos.put(id, todo);
        publish(false, todo);
        return Optional.of(todo);
    }

    /** Deletes a todo and announces it; returns whether there was one. */
    public synchronized boolean delete(long id) {
        Todo todo = todos.remove(id);
        if (todo != null) {
            publish(true, todo);
        }
        return todo != null;
    }

    /** Returns the sequence number of the newest change, 0 before the first. */
    public synchronized long sequence() {
        return sequence;
    }

    private void publish(boolean deleted, Todo todo) {
        Change change = new Change(++sequence, deleted, todo);
        log.addLast(change);
        if (log.size() > LOG_SIZE) {
            log.removeFirst();
        }
        for (Subscription subscription : subscribers) {
            subscription.offer(change);
        }
    }

    /**
     * Follows the changes after {@code lastSeen} (a sequence number a client saw, or -1 for none). The
     * subscription first replays the logged changes after it, or, when they are no longer all logged,
     * starts with a request for a snapshot ({@link Subscription#snapshotFirst()}).
     */
    public synchronized Subscription subscribe(long lastSeen) {
        Subscription subscription = new Subscription();
        boolean replayable = lastSeen >= 0 && lastSeen <= sequence
                && (lastSeen == sequence || (!log.isEmpty() && log.peekFirst().sequence() <= lastSeen + 1));
        subscription.snapshotFirst = !replayable;
        if (replayable) {
            for (Change change : log) {
                if (change.sequence() > lastSeen) {
                    subscription.offer(change);
                }
            }
        }
        subscribers.add(subscription);
        return subscription;
    }

    /** A live page's view of the changes, in order; closing it stops the delivery. */
    public final class Subscription implements AutoCloseable {
        private final BlockingQueue<Change> queue = new LinkedBlockingQueue<>(QUEUE_SIZE);
        private volatile boolean overrun;
        private boolean snapshotFirst;

        private Subscription() {
        }

        /** Returns whether the subscriber must start from a snapshot of every todo. */
        public boolean snapshotFirst() {
            return snapshotFirst;
        }

        /** Returns whether the subscriber fell so far behind that changes were dropped. */
        public boolean overrun() {
            return overrun;
        }

        private void offer(Change change) {
            if (!queue.offer(change)) {
                overrun = true;
            }
        }

        /** Waits up to the timeout for the next change; empty when none came. */
        public Optional<Change> next(Duration timeout) throws InterruptedException {
            return Optional.ofNullable(queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS));
        }

        @Override
        public void close() {
            subscribers.remove(this);
        }
    }
}
