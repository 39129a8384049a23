package dev.ferry.bench;

import dev.ferry.Body;
import dev.ferry.Headers;
import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.BufferRecycler;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.core.util.RecyclerPool;
import tools.jackson.databind.json.JsonMapper;

/**
 * What one JSON request costs with each of Jackson's buffer pools when, as on Ferry's servers, every
 * request runs on a virtual thread of its own: a batch of 8 concurrent virtual threads each read a
 * 0.4 KB body into a record through {@link Json#read} and write the record back with
 * {@link Json#body}. Run with {@code -prof gc} to see the bytes allocated per batch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class JsonPoolBenchmark {

    private static final int BATCH = 8;

    /** An order as a client would send it. */
    public record Order(String id, String customer, List<Line> lines, String note) {
    }

    /** A line of an order. */
    public record Line(String sku, int quantity, double price) {
    }

    @Param({"bounded", "concurrentDeque", "threadLocal", "hybrid", "none"})
    public String pool;

    private Json json;
    private byte[] body;

    @Setup
    public void setUp() {
        RecyclerPool<BufferRecycler> recyclers = switch (pool) {
            case "bounded" -> JsonRecyclerPools.sharedBoundedPool();
            case "concurrentDeque" -> JsonRecyclerPools.newConcurrentDequePool();
            case "threadLocal" -> JsonRecyclerPools.threadLocalPool();
            case "hybrid" -> JsonRecyclerPools.newHybridPool(BATCH * 4);
            case "none" -> JsonRecyclerPools.nonRecyclingPool();
            default -> throw new IllegalArgumentException(pool);
        };
        json = Json.create(JsonMapper.builder(JsonFactory.builder().recyclerPool(recyclers).build()).build());
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            lines.append(i == 0 ? "" : ",").append("{\"sku\":\"SKU-").append(1000 + i)
                    .append("\",\"quantity\":").append(i + 1).append(",\"price\":").append(9.99 + i).append('}');
        }
        body = ("{\"id\":\"order-42\",\"customer\":\"customer-7\",\"lines\":[" + lines
                + "],\"note\":\"leave at the door, ring twice, and mind the dog in the garden please\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private long one() {
        Request request = Request.builder().method(Method.POST).target("/orders")
                .headers(Headers.of("Content-Type", "application/json")).body(Body.of(body)).build();
        Order order = json.read(request, Order.class);
        return json.body(order).length();
    }

    @Benchmark
    public long batchOnVirtualThreads() throws InterruptedException {
        Thread[] threads = new Thread[BATCH];
        long[] lengths = new long[BATCH];
        for (int i = 0; i < BATCH; i++) {
            int slot = i;
            threads[i] = Thread.ofVirtual().start(() -> lengths[slot] = one());
        }
        long total = 0;
        for (int i = 0; i < BATCH; i++) {
            threads[i].join();
            total += lengths[i];
        }
        return total;
    }
}
