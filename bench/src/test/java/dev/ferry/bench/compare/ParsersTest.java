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

    /** Recorded from h2load 1.52 ({@code -c 16 -m 10 -D 3 --warm-up-time 1 --npn-list=h2}) against raw Undertow over TLS. */
    private static final String H2LOAD_TLS = """
            starting benchmark...
            spawning thread #0: 16 total client(s). Timing-based test with 1s of warm-up time and 3s of main duration for measurements.
            Warm-up started for thread #0.
            progress: 6% of clients started
            progress: 100% of clients started
            TLS Protocol: TLSv1.3
            Cipher: TLS_AES_256_GCM_SHA384
            Server Temp Key: X25519 253 bits
            Application protocol: h2
            Warm-up phase is over for thread #0.
            Main benchmark duration is started for thread #0.
            Main benchmark duration is over for thread #0. Stopping all clients.
            Stopped all clients for thread #0

            finished in 4.04s, 405.33 req/s, 25.08KB/s
            requests: 1216 total, 1306 started, 1216 done, 1216 succeeded, 0 failed, 0 errored, 0 timeout
            status codes: 1216 2xx, 0 3xx, 0 4xx, 0 5xx
            traffic: 75.23KB (77035) total, 38.13KB (39045) headers (space savings 66.55%), 15.44KB (15808) data
                                 min         max         mean         sd        +/- sd
            time for request:      394us    989.59ms    147.74ms    171.32ms    88.82%
            time for connect:     1.79ms    270.09ms    125.86ms    105.16ms    44.44%
            time to 1st byte:   374.70ms       1.01s    709.92ms    321.19ms    66.67%
            req/s           :       0.00       89.14       25.28       34.22    75.00%
            """;

    /** Recorded from h2load 1.52 with h2c prior knowledge (an http URI), some requests answered 404 and some failed. */
    private static final String H2LOAD_H2C = """
            starting benchmark...
            spawning thread #0: 16 total client(s). 4000 total requests
            Application protocol: h2c
            progress: 10% done
            progress: 100% done

            finished in 512.20ms, 7809.45 req/s, 480.42KB/s
            requests: 4000 total, 4000 started, 4000 done, 3990 succeeded, 10 failed, 3 errored, 0 timeout
            status codes: 3980 2xx, 0 3xx, 10 4xx, 0 5xx
            traffic: 247.26KB (253197) total, 138.86KB (142192) headers (space savings 66.60%), 56.29KB (57642) data
            """;

    /** Recorded from h2load 1.52 offering only h2 to a TLS server without HTTP/2: nothing agreed, nothing sent. */
    private static final String H2LOAD_NO_H2 = """
            Main benchmark duration is started for thread #0.
            TLS Protocol: TLSv1.3
            Cipher: TLS_AES_256_GCM_SHA384
            Server Temp Key: X25519 253 bits
            No protocol negotiated. Fallback behaviour may be activated
            No supported protocol was negotiated. Supported protocols were:
            h2
            Main benchmark duration is over for thread #0. Stopping all clients.
            Stopped all clients for thread #0

            finished in 2.01s, 0.00 req/s, 0B/s
            requests: 0 total, 0 started, 0 done, 0 succeeded, 0 failed, 0 errored, 0 timeout
            status codes: 0 2xx, 0 3xx, 0 4xx, 0 5xx
            traffic: 0B (0) total, 0B (0) headers (space savings 0.00%), 0B (0) data
            """;

    /** Recorded from openssl 3.0 {@code s_time -new -time 2 -www /plaintext} against raw Undertow over TLS. */
    private static final String S_TIME = """
            Collecting connection statistics for 2 seconds
            ************************************************************************

            72 connections in 0.14s; 514.29 connections/user sec, bytes read 10728
            72 connections in 3 real seconds, 149 bytes read per connection
            """;

    @Test
    void h2loadOverTlsWithTheProtocolsAgreed() {
        Parsers.H2load h2 = Parsers.h2load(H2LOAD_TLS);
        assertEquals(405.33, h2.requestsPerSecond(), 1e-9);
        assertEquals(1216 / 405.33, h2.seconds(), 1e-9);
        assertEquals(1216, h2.requests());
        assertEquals(1216, h2.succeeded());
        assertEquals(1216, h2.status2xx());
        assertEquals(0, h2.errors());
        assertEquals("", h2.errorDetail());
        assertEquals("h2", h2.applicationProtocol());
        assertEquals("TLSv1.3", h2.tlsProtocol());
        assertEquals("TLS_AES_256_GCM_SHA384", h2.cipher());
    }

    @Test
    void h2loadCleartextCountsFailuresAndOtherStatuses() {
        Parsers.H2load h2 = Parsers.h2load(H2LOAD_H2C);
        assertEquals(7809.45, h2.requestsPerSecond(), 1e-9);
        assertEquals("h2c", h2.applicationProtocol());
        assertNull(h2.tlsProtocol());
        assertNull(h2.cipher());
        assertEquals(10, h2.failed());
        assertEquals(3, h2.errored());
        assertEquals(10, h2.statusOther());
        assertEquals(20, h2.errors());
        assertEquals("10 failed, 3 errored, 0 timeout, 10 not 2xx", h2.errorDetail());
    }

    @Test
    void h2loadWithoutHttp2AgreedHasNoProtocolAndNoAnswers() {
        Parsers.H2load h2 = Parsers.h2load(H2LOAD_NO_H2);
        assertNull(h2.applicationProtocol());
        assertEquals("TLSv1.3", h2.tlsProtocol());
        assertEquals(0, h2.status2xx());
        assertEquals(0, h2.requestsPerSecond());
        assertEquals(2.01, h2.seconds(), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> Parsers.h2load("connect: Connection refused"));
        assertThrows(IllegalArgumentException.class, () -> Parsers.h2load(WRK));
    }

    @Test
    void h2loadLogGivesTheAnsweredRequestsDurations() {
        String log = "1796144604439574\t200\t43502\n1796144604439575\t200\t1500\n1796144604439576\t-1\t90000\n"
                + "1796144604439577\t404\t2500\n17961446044395";
        double[] millis = Parsers.h2loadLog(log);
        assertEquals(3, millis.length);
        assertEquals(1.5, millis[0], 1e-9);
        assertEquals(2.5, millis[1], 1e-9);
        assertEquals(43.502, millis[2], 1e-9);
        assertEquals(43.502, Parsers.percentile(millis, 99), 1e-9);
        assertEquals(0, Parsers.h2loadLog("").length);
    }

    @Test
    void opensslSTimeWallClockLine() {
        Parsers.STime time = Parsers.sTime(S_TIME);
        assertEquals(72, time.connections());
        assertEquals(3, time.realSeconds());
        assertEquals(149, time.bytesPerConnection());
        String refused = "ERROR\n40C70FB6E27F0000:error:8000006F:system library:BIO_connect:Connection refused\n"
                + "Collecting connection statistics for 1 seconds\n";
        assertThrows(IllegalArgumentException.class, () -> Parsers.sTime(refused));
    }
}
