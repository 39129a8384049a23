package dev.ferry.bench;

import dev.ferry.server.ServerConfig;
import dev.ferry.spi.HeadCheck;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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

/**
 * The core's head check over one request head in a direct buffer, as a server reads it: the head wrk
 * sends, and a typical browser head. A keep-alive connection's check is reused from head to head.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class HeadCheckBenchmark {

    private static final String WRK = "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
    private static final String BROWSER = "GET /assets/app.js?v=3 HTTP/1.1\r\nHost: localhost:8080\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
            + "Accept-Language: en-GB,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\n"
            + "Cookie: session=abc123; theme=dark\r\nSec-Fetch-Dest: document\r\n\r\n";

    private final HeadCheck check = HeadCheck.following(ServerConfig.defaults());
    private final ByteBuffer wrk = direct(WRK);
    private final ByteBuffer browser = direct(BROWSER);

    private static ByteBuffer direct(String head) {
        byte[] bytes = head.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    @Benchmark
    public int wrkHead() {
        return check.scan(wrk, 0, wrk.limit());
    }

    @Benchmark
    public int browserHead() {
        return check.scan(browser, 0, browser.limit());
    }
}
