package dev.ferry.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WorkerBatchTest {

    @Test
    void tasksStartWhenTheTurnEndsEachOnItsOwnVirtualThread() throws InterruptedException {
        List<Runnable> endOfTurn = new ArrayList<>();
        WorkerBatch batch = new WorkerBatch(endOfTurn::add);
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch ran = new CountDownLatch(5);
        for (int i = 0; i < 5; i++) {
            batch.add(() -> {
                threads.add(Thread.currentThread());
                ran.countDown();
                awaitQuietly(release);
            });
        }
        assertEquals(1, endOfTurn.size(), "one end-of-turn task per turn");
        assertEquals(5, ran.getCount(), "nothing starts before the turn ends");
        endOfTurn.removeFirst().run();
        // every task blocks until all have run: they can only all run if each has its own thread
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        release.countDown();
        assertEquals(5, threads.size());
        assertTrue(threads.stream().allMatch(Thread::isVirtual));

        CountDownLatch next = new CountDownLatch(1);
        batch.add(next::countDown);
        assertEquals(1, endOfTurn.size(), "the next turn schedules its own start");
        endOfTurn.removeFirst().run();
        assertTrue(next.await(5, TimeUnit.SECONDS));
    }

    @Test
    void aStoppingLoopStartsTheTaskAtOnce() throws InterruptedException {
        WorkerBatch batch = new WorkerBatch(task -> {
            throw new RejectedExecutionException("stopping");
        });
        CountDownLatch ran = new CountDownLatch(1);
        batch.add(ran::countDown);
        assertTrue(ran.await(5, TimeUnit.SECONDS));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
