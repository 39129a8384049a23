package dev.ferry.dev.internal;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Watches class directories, sub-directories included, and remembers that something changed. A
 * request only reads a flag; the watching happens on a daemon thread. A directory that is deleted
 * and created again (a clean build) is watched again once it is back.
 */
final class ClassWatcher implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("dev.ferry.dev");

    private final List<Path> roots;
    private final WatchService watcher;
    private final AtomicBoolean changed = new AtomicBoolean();
    private final Thread thread;
    private volatile long lastEvent = System.nanoTime();

    ClassWatcher(List<Path> roots) throws IOException {
        this.roots = roots;
        this.watcher = FileSystems.getDefault().newWatchService();
        for (Path root : roots) {
            registerTree(root);
        }
        thread = new Thread(this::run, "ferry-dev-reload-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    /** Returns whether something changed since the last {@link #take()}. */
    boolean changed() {
        return changed.get();
    }

    /** Returns whether something changed, and forgets it. */
    boolean take() {
        return changed.getAndSet(false);
    }

    /** Waits until nothing has changed for {@code quiet}, at most {@code max}, so a build in progress can finish writing. */
    void awaitQuiet(Duration quiet, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() - lastEvent < quiet.toNanos() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(2);
        }
    }

    private void registerTree(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                dir.register(watcher, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private void mark() {
        lastEvent = System.nanoTime();
        changed.set(true);
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                Path dir = (Path) key.watchable();
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == ENTRY_CREATE) {
                        Path child = dir.resolve((Path) event.context());
                        if (Files.isDirectory(child)) {
                            registerTree(child);
                        }
                    }
                    mark();
                }
                if (!key.reset() && roots.contains(dir)) {
                    awaitRoot(dir);
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "reload: cannot watch the class directories any more", e);
        }
    }

    private void awaitRoot(Path root) throws InterruptedException, IOException {
        while (!Files.isDirectory(root)) {
            TimeUnit.MILLISECONDS.sleep(50);
        }
        registerTree(root);
        mark();
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            watcher.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }
}
