package dev.ferry.bench;

import dev.ferry.Compression;
import dev.ferry.Handler;
import dev.ferry.Headers;
import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Gzip of a 100 KiB JSON body: the whole path through {@link Compression} (the handler's response
 * through the filter, its body written to a discarding stream) against one bare {@link Deflater} pass
 * over the same bytes at the same level, and the JDK's {@link GZIPOutputStream} for reference.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 6, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class GzipBenchmark {

    static final int LEVEL = 6;

    private byte[] json;
    private Handler filtered;
    private Request request;
    private Deflater deflater;
    private final byte[] buffer = new byte[8192];
    private final Discard discard = new Discard();
    private final java.util.zip.CRC32 crc = new java.util.zip.CRC32();

    /** Counts what it is given and keeps nothing. */
    static final class Discard extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            count += length;
        }
    }

    /** Returns about 100 KiB of JSON records with varied values, as an API would send. */
    static byte[] json(int size) {
        Random random = new Random(42);
        String[] words = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"};
        StringBuilder text = new StringBuilder("[");
        int id = 1000;
        while (text.length() < size - 200) {
            text.append("{\"id\":").append(id++)
                    .append(",\"name\":\"").append(words[random.nextInt(words.length)]).append(' ')
                    .append(words[random.nextInt(words.length)]).append("\",\"email\":\"user")
                    .append(random.nextInt(100_000)).append("@example.com\",\"score\":")
                    .append(random.nextInt(10_000) / 100.0).append(",\"active\":").append(random.nextBoolean())
                    .append(",\"tags\":[\"").append(words[random.nextInt(words.length)]).append("\",\"")
                    .append(words[random.nextInt(words.length)]).append("\"],\"created\":\"2026-")
                    .append(String.format("%02d-%02dT%02d:%02d:00Z", 1 + random.nextInt(12), 1 + random.nextInt(28),
                            random.nextInt(24), random.nextInt(60)))
                    .append("\"},");
        }
        text.append("{}]");
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Setup(Level.Trial)
    public void setUp() {
        json = json(100 * 1024);
        byte[] body = json;
        // the handler's own cost (building the response) is the same with and without the filter; keep it out
        Response response = Response.json(new String(body, StandardCharsets.UTF_8));
        filtered = Compression.builder().level(LEVEL).build().then((Handler) r -> response);
        request = Request.builder().method(Method.GET).target("/api/items")
                .headers(Headers.of("Host", "localhost", "Accept-Encoding", "gzip, deflate, br", "Accept", "application/json"))
                .build();
        deflater = new Deflater(LEVEL, true);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        deflater.end();
    }

    /** The filter's whole path: negotiation, headers, a pooled deflater, gzip framing and CRC, the writes. */
    @Benchmark
    public long filter() throws Exception {
        Response response = filtered.handle(request);
        long before = discard.count;
        response.body().writeTo(discard);
        return discard.count - before + response.headers().size();
    }

    /** One bare deflater pass over the same bytes, with a deflater kept across calls. */
    @Benchmark
    public long deflater() {
        deflater.setInput(json);
        deflater.finish();
        long before = discard.count;
        while (!deflater.finished()) {
            int n = deflater.deflate(buffer);
            discard.write(buffer, 0, n);
        }
        deflater.reset();
        return discard.count - before;
    }

    /** The same pass plus the CRC-32 that the gzip format requires of any implementation. */
    @Benchmark
    public long deflaterAndCrc() {
        crc.reset();
        crc.update(json);
        return deflater() + crc.getValue();
    }

    /** The JDK's gzip stream, which allocates and ends a deflater on every use. */
    @Benchmark
    public long jdkGzipStream() throws IOException {
        long before = discard.count;
        try (GZIPOutputStream gzip = new GZIPOutputStream(discard, 8192)) {
            gzip.write(json);
        }
        return discard.count - before;
    }
}
