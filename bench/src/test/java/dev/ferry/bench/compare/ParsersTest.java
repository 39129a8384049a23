package dev.ferry.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ParsersTest {

    private static final String WRK = """
            Running 6s test @ http://127.0.0.1:40000/plaintext
              1 threads and 64 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency     2.22ms  301.10us  42.01ms   91.02%
                Req/Sec    29.12k     3.01k   35.70k    80.00%
              Latency Distribution
                 50%  650.00us
                 75%  790.00us
                 90%    1.01ms
                 99%    2.50s
              175000 requests in 6.01s, 24.41MB read
              Socket errors: connect 0, read 12, write 1, timeout 3
              Non-2xx or 3xx responses: 4
            Requests/sec:  29118.13
            Transfer/sec:      4.06MB
            """;

    /** Recorded from wrk running fixed-rate.lua (10 connections pausing 5 ms) against the hello example on Undertow. */
    private static final String FIXED_RATE = """
            Running 3s test @ http://127.0.0.1:18950/plaintext
              1 threads and 10 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency    21.07ms   55.02ms 322.99ms   91.65%
                Req/Sec     1.04k   447.98     1.64k    62.96%
              2847 requests in 3.03s, 361.44KB read
            Requests/sec:    938.82
            Transfer/sec:    119.19KB
            FERRY-DISTRIBUTION
            1 298
            10 546
            25 851
            50 1567
            75 9215
            90 55448
            95 141478
            99 290362
            99.5 310396
            99.9 322408
            99.99 322987
            100 322987
            FERRY-SUMMARY requests=2847 duration_us=3032543 socket_errors=1 status_errors=2 max_us=322987
            """;

    private static final String ESC = "\u001B";

    /** Recorded from slowhttptest 1.8.2: two status reports, the service down in the second. */
    private static final String SLOW = ESC + "[0m" + ESC + "[1;32m\nslow HTTP test status on " + ESC + "[0;32m5" + ESC + "[1;32mth second:\n\n"
            + ESC + "[1;32minitializing:" + ESC + "[1;32m        0\n"
            + ESC + "[1;32mpending:     " + ESC + "[1;32m        3\n"
            + ESC + "[1;32mconnected:   " + ESC + "[1;32m        190\n"
            + ESC + "[1;32merror:       " + ESC + "[1;32m        0\n"
            + ESC + "[1;32mclosed:      " + ESC + "[1;32m        7\n"
            + ESC + "[1;32mservice available:" + ESC + "[1;32m   " + ESC + "[1;32mYES" + ESC + "[0m\n"
            + ESC + "[0mSat Nov 21 19:41:19 2026:" + ESC + "[1;32m\nslow HTTP test status on " + ESC + "[0;32m10" + ESC + "[1;32mth second:\n\n"
            + ESC + "[1;32minitializing:" + ESC + "[1;32m        0\n"
            + ESC + "[1;32mpending:     " + ESC + "[1;32m        0\n"
            + ESC + "[1;32mconnected:   " + ESC + "[1;32m        150\n"
            + ESC + "[1;32merror:       " + ESC + "[1;32m        2\n"
            + ESC + "[1;32mclosed:      " + ESC + "[1;32m        48\n"
            + ESC + "[1;32mservice available:" + ESC + "[1;32m   " + ESC + "[1;31mNO" + ESC + "[0m\n"
            + ESC + "[0;36m\nTest ended on 12th second\nExit status:" + ESC + "[1;36m Hit test time limit\n" + ESC + "[0m";

    @Test
    void wrkFiguresAndErrors() {
        Parsers.Wrk wrk = Parsers.wrk(WRK);
        assertEquals(29118.13, wrk.requestsPerSecond(), 1e-9);
        assertEquals(175000, wrk.requests());
        assertEquals(6.01, wrk.seconds(), 1e-9);
        assertEquals(0.65, wrk.p50Millis(), 1e-9);
        assertEquals(1.01, wrk.p90Millis(), 1e-9);
        assertEquals(2500, wrk.p99Millis(), 1e-9);
        assertEquals(4, wrk.non2xx());
        assertEquals(16, wrk.socketErrors());
        assertEquals(20, wrk.errors());
        assertEquals("Socket errors: connect 0, read 12, write 1, timeout 3; Non-2xx or 3xx responses: 4", wrk.errorDetail());
    }

    @Test
    void wrkWithoutErrors() {
        String clean = WRK.replace("  Socket errors: connect 0, read 12, write 1, timeout 3\n", "")
                .replace("  Non-2xx or 3xx responses: 4\n", "");
        Parsers.Wrk wrk = Parsers.wrk(clean);
        assertEquals(0, wrk.errors());
        assertEquals("", wrk.errorDetail());
    }

    @Test
    void wrkThatCouldNotConnect() {
        assertThrows(IllegalArgumentException.class, () -> Parsers.wrk("unable to connect to 127.0.0.1:1 Connection refused"));
    }

    @Test
    void fixedRateScriptOutput() {
        Parsers.FixedRate rate = Parsers.fixedRate(FIXED_RATE);
        assertEquals(2847, rate.requests());
        assertEquals(3.032543, rate.seconds(), 1e-9);
        assertEquals(1, rate.socketErrors());
        assertEquals(2, rate.statusErrors());
        assertEquals(322.987, rate.maxMillis(), 1e-9);
        assertEquals(12, rate.distribution().size());
        assertEquals(1.567, rate.at(50), 1e-9);
        assertEquals(55.448, rate.at(90), 1e-9);
        assertEquals(290.362, rate.at(99), 1e-9);
        assertEquals(322.408, rate.at(99.9), 1e-9);
        assertEquals(new Figures.Point(1, 0.298), rate.distribution().get(0));
        assertThrows(IllegalArgumentException.class, () -> Parsers.fixedRate(WRK));
    }

    @Test
    void percentilesByNearestRank() {
        double[] sorted = new double[1000];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = i + 1;
        }
        assertEquals(500, Parsers.percentile(sorted, 50));
        assertEquals(990, Parsers.percentile(sorted, 99));
        assertEquals(999, Parsers.percentile(sorted, 99.9));
        assertEquals(1000, Parsers.percentile(sorted, 100));
        assertEquals(1, Parsers.percentile(sorted, 0));
        assertEquals(7, Parsers.percentile(new double[] {7}, 99.9));
        assertEquals(Parsers.DISTRIBUTION.length, Parsers.distribution(sorted).size());
        assertEquals(new Figures.Point(99.99, 1000), Parsers.distribution(sorted).get(Parsers.DISTRIBUTION.length - 2));
    }

    @Test
    void slowhttptestLastReportAndDownReports() {
        Parsers.SlowTest slow = Parsers.slowhttptest(SLOW);
        assertEquals(150, slow.connected());
        assertEquals(48, slow.closed());
        assertEquals(2, slow.errors());
        assertEquals(0, slow.pending());
        assertEquals(2, slow.reports());
        assertEquals(1, slow.reportsUnavailable());
        assertEquals("Hit test time limit", slow.exitStatus());
        assertThrows(IllegalArgumentException.class, () -> Parsers.slowhttptest("Unable to connect"));
    }

    @Test
    void closingTimesComeFromSlowhttptestStatistics() {
        String csv = "Seconds,Closed,Pending,Connected,Service Available\n0,0,1,0,10\n1,0,0,10,10\n10,0,0,10,10\n"
                + "11,4,0,6,10\n12,5,0,5,10\n13,9,0,1,10\n14,10,0,0,10\n";
        Parsers.Closing closing = Parsers.closing(csv, 10);
        assertEquals(12.0, closing.halfSeconds());
        assertEquals(13.0, closing.mostSeconds());
        Parsers.Closing never = Parsers.closing("Seconds,Closed,Pending,Connected,Service Available\n0,0,0,10,10\n8,1,0,9,10\n", 10);
        assertNull(never.halfSeconds());
        assertNull(never.mostSeconds());
    }

    @Test
    void aTestTheServerEndedByClosingEveryConnectionClosedThemAllWhenItEnded() {
        String output = """
                slow HTTP test status on 30th second:

                initializing:        0
                pending:             0
                connected:           10
                error:               0
                closed:              0
                service available:   YES
                Tue Dec  1 14:25:11 2026:
                Test ended on 33th second
                Exit status: No open connections left
                """;
        Parsers.SlowTest slow = Parsers.slowhttptest(output);
        assertEquals(0, slow.connected());
        assertEquals(10, slow.closed());
        assertEquals(33, slow.endedSecond());
        assertTrue(slow.allClosed());
        String csv = "Seconds,Closed,Pending,Connected,Service Available\n0,0,1,0,10\n1,0,0,10,10\n33,0,0,10,10\n";
        Parsers.Closing closing = Parsers.closing(csv, 10, slow.endedSecond());
        assertEquals(33.0, closing.halfSeconds());
        assertEquals(33.0, closing.mostSeconds());
        assertNull(Parsers.closing(csv, 10).halfSeconds());
    }
}
