package dev.ferry.testkit.fuzz;

import dev.ferry.server.ServerConfig;
import dev.ferry.spi.ServerProvider;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

/**
 * A differential fuzzer: it grows requests from a grammar of valid HTTP/1.1 and mutates them where
 * request smuggling and parser bugs live, sends each to several servers running {@link FuzzApp} (the
 * copies in parallel, each on a new connection with a probe request pipelined behind it), and compares
 * per case the status class of every response, what the app saw, and whether the probe was answered,
 * that is whether the connection stayed open. A difference between production servers fails the run
 * unless a {@link KnownGap} explains it; the dev server's differences are reported.
 *
 * <pre>{@code
 * List<Fuzzer.Subject> subjects = Ferry.installed().stream().map(Fuzzer.Subject::of).toList();
 * FuzzReport report = Fuzzer.run(subjects, List.of(), Fuzzer.Options.fromSystemProperties());
 * Files.writeString(Path.of("target/fuzz-report.md"), report.text());
 * assertFalse(report.failed(), report.summary());
 * }</pre>
 */
public final class Fuzzer {

    /** The request pipelined behind every case: answered only if the connection stayed open after the case. */
    public static final String PROBE = "GET /ferry-probe HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n";

    /** What {@link FuzzApp} reports for the probe. */
    static final String PROBE_SAW = "GET /ferry-probe HTTP/1.1 host=probe body=0:e3b0c442";

    private Fuzzer() {
    }

    /**
     * A server under test.
     *
     * @param name the name it is reported by, unique in a run
     * @param production whether its differences fail the run
     * @param provider how to start it
     */
    public record Subject(String name, boolean production, ServerProvider provider) {

        /** Returns the provider's server under the provider's own name. */
        public static Subject of(ServerProvider provider) {
            return new Subject(provider.name(), provider.production(), provider);
        }
    }

    /**
     * How a run goes.
     *
     * @param cases how many cases to run
     * @param seed the seed of the first case; every later one follows from it
     * @param timeLimit when to stop starting cases, or zero for no limit
     * @param parallelism how many cases are in flight at once (each on every server at once)
     * @param timeout how long one exchange may wait for a server to close before it counts as left open
     * @param exactStatus whether status codes are compared exactly instead of by class
     */
    public record Options(int cases, long seed, Duration timeLimit, int parallelism, Duration timeout, boolean exactStatus) {

        /** Returns 2,000 cases within 100 seconds from a new seed, 12 in flight, a 3-second exchange timeout, status classes. */
        public static Options defaults() {
            return new Options(2000, System.nanoTime() ^ System.currentTimeMillis() * 31, Duration.ofSeconds(100), 12,
                    Duration.ofSeconds(3), false);
        }

        /**
         * Returns the defaults overridden by {@code ferry.fuzz.cases}, {@code ferry.fuzz.seed}, {@code ferry.fuzz.time}
         * (no limit when only the cases are given), {@code ferry.fuzz.parallelism}, {@code ferry.fuzz.timeout} and
         * {@code ferry.fuzz.exact-status}; durations as {@code 90s}, {@code 500ms}, {@code 5m} or ISO-8601.
         */
        public static Options fromSystemProperties() {
            Options options = defaults();
            String cases = System.getProperty("ferry.fuzz.cases");
            if (cases != null) {
                options = options.cases(Integer.parseInt(cases.strip().replace("_", ""))).timeLimit(Duration.ZERO);
            }
            String seed = System.getProperty("ferry.fuzz.seed");
            if (seed != null) {
                options = options.seed(Long.parseLong(seed.strip()));
            }
            String time = System.getProperty("ferry.fuzz.time");
            if (time != null) {
                options = options.timeLimit(duration(time));
            }
            String parallelism = System.getProperty("ferry.fuzz.parallelism");
            if (parallelism != null) {
                options = options.parallelism(Integer.parseInt(parallelism.strip()));
            }
            String timeout = System.getProperty("ferry.fuzz.timeout");
            if (timeout != null) {
                options = options.timeout(duration(timeout));
            }
            return options.exactStatus(Boolean.getBoolean("ferry.fuzz.exact-status"));
        }

        /** Returns these options with this many cases. */
        public Options cases(int cases) {
            return new Options(cases, seed, timeLimit, parallelism, timeout, exactStatus);
        }

        /** Returns these options with this seed. */
        public Options seed(long seed) {
            return new Options(cases, seed, timeLimit, parallelism, timeout, exactStatus);
        }

        /** Returns these options with this time limit; zero for none. */
        public Options timeLimit(Duration timeLimit) {
            return new Options(cases, seed, timeLimit, parallelism, timeout, exactStatus);
        }

        /** Returns these options with this many cases in flight. */
        public Options parallelism(int parallelism) {
            return new Options(cases, seed, timeLimit, Math.max(1, parallelism), timeout, exactStatus);
        }

        /** Returns these options with this exchange timeout. */
        public Options timeout(Duration timeout) {
            return new Options(cases, seed, timeLimit, parallelism, timeout, exactStatus);
        }

        /** Returns these options comparing exact status codes or only their class. */
        public Options exactStatus(boolean exactStatus) {
            return new Options(cases, seed, timeLimit, parallelism, timeout, exactStatus);
        }

        private static Duration duration(String text) {
            String t = text.strip().toLowerCase(Locale.ROOT);
            try {
                if (t.startsWith("pt")) {
                    return Duration.parse(t);
                }
                if (t.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).strip()));
                }
                long n = Long.parseLong(t.substring(0, t.length() - 1).strip());
                return switch (t.charAt(t.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    default -> throw new IllegalArgumentException("not a duration: " + text);
                };
            } catch (NumberFormatException | DateTimeParseException e) {
                throw new IllegalArgumentException("not a duration: " + text, e);
            }
        }
    }

    /**
     * Returns the settings every server of a run gets: small limits (512-byte request line, 1 KiB and 16
     * header fields, 512-byte body) so that cases reach them cheaply, and 2-second header and body deadlines.
     */
    public static ServerConfig config() {
        return ServerConfig.builder().host("127.0.0.1").port(0).maxRequestLine(512).maxHeaderBytes(1024).maxHeaderCount(16)
                .maxRequestBody(512).requestHeaderTimeout(Duration.ofSeconds(2)).bodyReadTimeout(Duration.ofSeconds(2))
                .idleTimeout(Duration.ofSeconds(5)).shutdownGrace(Duration.ofMillis(500)).build();
    }

    /**
     * Starts every subject with {@link FuzzApp} and {@link #config()}, runs the cases, stops them and
     * returns the report.
     *
     * @param gaps the known differences between production servers, each with its reason and witness
     */
    public static FuzzReport run(List<Subject> subjects, List<KnownGap> gaps, Options options) {
        return new Campaign(subjects, gaps, options).run();
    }
}
