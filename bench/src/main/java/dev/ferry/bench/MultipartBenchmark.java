package dev.ferry.bench;

import dev.ferry.Body;
import dev.ferry.Headers;
import dev.ferry.Method;
import dev.ferry.Multipart;
import dev.ferry.Request;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
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
 * Parses one file part of {@code mib} MiB with {@link Multipart#reader}, reading its content into a
 * reused buffer: the parser's cost alone (no socket, no disk). {@code random} content is what uploads
 * look like; {@code nearBoundaries} is content made of {@code CRLF--} plus all but the last byte of
 * the boundary, over and over: the adversarial case for a delimiter search, whose time must grow in
 * proportion to the size (linear), not faster. The score is the time for one body; MiB/s = mib /
 * seconds.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class MultipartBenchmark {

    static final String BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
    @Param({"random", "nearBoundaries"})
    public String content;

    @Param({"16", "64"})
    public int mib;

    private int size;

    private byte[] body;
    private final byte[] buffer = new byte[64 * 1024];

    @Setup
    public void setUp() {
        size = mib * 1024 * 1024;
        byte[] part = new byte[size];
        if (content.equals("random")) {
            new Random(1).nextBytes(part);
        } else {
            byte[] near = ("\r\n--" + BOUNDARY.substring(0, BOUNDARY.length() - 1)).getBytes(StandardCharsets.ISO_8859_1);
            for (int at = 0; at < size; at += near.length) {
                System.arraycopy(near, 0, part, at, Math.min(near.length, size - at));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 512);
        out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"data.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(part);
        out.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        body = out.toByteArray();
    }

    @Benchmark
    public long parse() throws IOException {
        Request request = Request.builder().method(Method.POST).target("/upload")
                .headers(Headers.of("Content-Type", "multipart/form-data; boundary=" + BOUNDARY))
                .body(Body.of(new ByteArrayInputStream(body))).build();
        long total = 0;
        try (Multipart.Reader reader = Multipart.builder().maxPartSize(Long.MAX_VALUE).build().reader(request)) {
            Multipart.Part part;
            while ((part = reader.next()) != null) {
                InputStream in = part.stream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    total += n;
                }
            }
        }
        if (total != size) {
            throw new IllegalStateException("parsed " + total + " bytes, expected " + size);
        }
        return total;
    }
}
