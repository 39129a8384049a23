package dev.ferry.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AbRatioTest {

    private static final String WRK = """
            Running 8s test @ http://127.0.0.1:40000/plaintext
              1 threads and 64 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency   712.22us  301.10us  12.01ms   91.02%
                Req/Sec    90.12k     3.01k   95.70k    80.00%
              Latency Distribution
                 50%  650.00us
                 75%  790.00us
                 90%    1.01ms
                 99%    2.50ms
              717404 requests in 8.00s, 94.41MB read
              Non-2xx or 3xx responses: 3
            Requests/sec:  89675.42
            Transfer/sec:     11.80MB
            """;

    @Test
    void parsesWrkOutput() {
        AbRatio.Run run = AbRatio.parse(WRK);
        assertEquals(89675.42, run.requestsPerSecond(), 0.001);
        assertEquals(2.5, run.p99Millis(), 0.0001);
        assertEquals(" [Non-2xx or 3xx responses: 3]", run.errors());
        assertEquals(0.9, AbRatio.parse(WRK.replace("2.50ms", "900.00us")).p99Millis(), 0.0001);
    }

    @Test
    void rejectsOutputWithoutFigures() {
        assertThrows(IllegalStateException.class, () -> AbRatio.parse("unable to connect"));
    }

    @Test
    void statistics() {
        assertEquals(2.0, AbRatio.median(new double[] {3, 1, 2}));
        assertEquals(2.5, AbRatio.median(new double[] {4, 1, 2, 3}));
        assertEquals(1.0, AbRatio.min(new double[] {3, 1, 2}));
        assertEquals(3.0, AbRatio.max(new double[] {3, 1, 2}));
    }

    @Test
    void optionsComeInPairs() {
        assertEquals(Map.of("a", "raw-jdk", "b", "dev"), AbRatio.options(new String[] {"--a", "raw-jdk", "--b", "dev"}));
        assertThrows(IllegalArgumentException.class, () -> AbRatio.options(new String[] {"--a"}));
    }
}
