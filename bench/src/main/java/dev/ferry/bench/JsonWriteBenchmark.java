package dev.ferry.bench;

import dev.ferry.Body;
import dev.ferry.Response;
import dev.ferry.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
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

/**
 * What answering with a value as JSON costs, by the way the body is made: {@link Json#response}
 * (Jackson's pooled buffers, then one array of the exact size), a String first and then its bytes (as
 * {@code Response.json(mapper.writeValueAsString(value))} does), and {@link Json#streamed} written
 * to a stream. Run with {@code -prof gc} for the bytes allocated per response.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class JsonWriteBenchmark {

    /** A row of a listing. */
    public record Item(int id, String name, String description, double price, boolean available) {
    }

    @Param({"10", "1000"})
    public int items;

    private final Json json = Json.create();
    private List<Item> value;

    @Setup
    public void setUp() {
        value = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            value.add(new Item(i, "item " + i, "a plain description of item number " + i, 10.5 + i, i % 3 != 0));
        }
    }

    /** Discards what it is given, as a socket that is always ready would. */
    private static final OutputStream SINK = OutputStream.nullOutputStream();

    @Benchmark
    public long bytes() throws IOException {
        Response response = json.response(value);
        response.body().writeTo(SINK);
        return response.body().length();
    }

    @Benchmark
    public long stringThenBytes() throws IOException {
        Response response = Response.json(json.mapper().writeValueAsString(value));
        response.body().writeTo(SINK);
        return response.body().length();
    }

    @Benchmark
    public long streamed() throws IOException {
        Body body = json.streamed(value).body();
        body.writeTo(SINK);
        return body.length();
    }
}
