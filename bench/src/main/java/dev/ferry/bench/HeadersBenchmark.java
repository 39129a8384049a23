package dev.ferry.bench;

import dev.ferry.Headers;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Header lookups in the headers of a typical browser request: a hit near the end, a differently cased hit, a miss. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class HeadersBenchmark {

    private final Headers headers = Headers.builder()
            .add("Host", "localhost:8080")
            .add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)")
            .add("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
            .add("Accept-Language", "en-GB,en;q=0.5")
            .add("Accept-Encoding", "gzip, deflate, br")
            .add("Connection", "keep-alive")
            .add("Cookie", "session=abc123; theme=dark")
            .add("Upgrade-Insecure-Requests", "1")
            .add("Sec-Fetch-Dest", "document")
            .add("Content-Type", "application/json")
            .build();

    @Benchmark
    public String hit() {
        return headers.firstOrNull("Content-Type");
    }

    @Benchmark
    public String hitOtherCase() {
        return headers.firstOrNull("content-type");
    }

    @Benchmark
    public String miss() {
        return headers.firstOrNull("Authorization");
    }

    @Benchmark
    public Object optionalHit() {
        return headers.first("Content-Type").orElse(null);
    }
}
