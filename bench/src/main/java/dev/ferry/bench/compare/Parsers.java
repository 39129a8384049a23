package dev.ferry.bench.compare;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the output of wrk (plain and with the fixed-rate script), slowhttptest, h2load (and its per-request
 * log) and {@code openssl s_time} into figures. Pure functions, tested on recorded output.
 */
public final class Parsers {

    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*[A-Za-z]");
    private static final Pattern WRK_RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern WRK_REQUESTS = Pattern.compile("(\\d+) requests in ([0-9.]+)(us|ms|s|m)");
    private static final Pattern WRK_PERCENTILE = Pattern.compile("^\\s+(50|75|90|99)%\\s+([0-9.]+)(us|ms|s|m)\\s*$", Pattern.MULTILINE);
    private static final Pattern WRK_NON2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern WRK_SOCKET = Pattern.compile(
            "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern RATE_POINT = Pattern.compile("^([0-9.]+) (\\d+)$", Pattern.MULTILINE);
    private static final Pattern RATE_SUMMARY = Pattern.compile(
            "FERRY-SUMMARY requests=(\\d+) duration_us=(\\d+) socket_errors=(\\d+) status_errors=(\\d+) max_us=(\\d+)");
    private static final Pattern SLOW_FIELD = Pattern.compile(
            "^\\s*(initializing|pending|connected|error|closed|service available):\\s+(\\S+)\\s*$", Pattern.MULTILINE);
    private static final Pattern SLOW_EXIT = Pattern.compile("Exit status:\\s*(.+)");
    private static final Pattern SLOW_ENDED = Pattern.compile("Test ended on (\\d+)\\w* second");
    /** slowhttptest's exit status when the server closed every connection before the test's time was up. */
    private static final String ALL_CLOSED = "No open connections left";

    private static final Pattern H2_FINISHED = Pattern.compile("finished in ([0-9.]+)(us|ms|s|m), ([0-9.]+) req/s");
    private static final Pattern H2_REQUESTS = Pattern.compile("requests: (\\d+) total, (\\d+) started, (\\d+) done, "
            + "(\\d+) succeeded, (\\d+) failed, (\\d+) errored, (\\d+) timeout");
    private static final Pattern H2_STATUS = Pattern.compile("status codes: (\\d+) 2xx, (\\d+) 3xx, (\\d+) 4xx, (\\d+) 5xx");
    private static final Pattern H2_PROTOCOL = Pattern.compile("^Application protocol: (\\S+)\\s*$", Pattern.MULTILINE);
    private static final Pattern H2_TLS = Pattern.compile("^TLS Protocol: (\\S+)\\s*$", Pattern.MULTILINE);
    private static final Pattern H2_CIPHER = Pattern.compile("^Cipher: (\\S+)\\s*$", Pattern.MULTILINE);
    private static final Pattern S_TIME = Pattern.compile(
            "(\\d+) connections in (\\d+) real seconds, (\\d+) bytes read per connection");

    /** The percentiles a latency distribution plot shows, in percent. */
    static final double[] DISTRIBUTION = {1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100};

    private Parsers() {
    }

    /** Figures of one wrk run with {@code --latency}. */
    public record Wrk(double requestsPerSecond, long requests, double seconds, double p50Millis, double p90Millis,
            double p99Millis, long non2xx, long socketErrors, String errorDetail) {

        /** Returns every error wrk counted: non-2xx/3xx responses and socket errors. */
        public long errors() {
            return non2xx + socketErrors;
        }
    }

    /**
     * What the fixed-rate wrk script reports: requests, duration, errors, the slowest request and the
     * latency distribution (percent, milliseconds).
     */
    public record FixedRate(long requests, double seconds, long socketErrors, long statusErrors, double maxMillis,
            List<Figures.Point> distribution) {

        /** Returns the latency at a percentile of the distribution (one the script prints). */
        public double at(double percent) {
            return distribution.stream().filter(p -> p.percentile() == percent).findFirst()
                    .map(Figures.Point::millis).orElse(Double.NaN);
        }
    }

    /**
     * The state of slowhttptest's connections when it ended, how many reports saw the service down, and
     * the second it ended on (-1 if it did not say). It reports once every few seconds, so when the server
     * closes the last connection between two reports only its exit status tells.
     */
    public record SlowTest(int connected, int closed, int errors, int pending, int reportsUnavailable,
            int reports, String exitStatus, int endedSecond) {

        /** Returns whether the server had closed every connection when the test ended. */
        public boolean allClosed() {
            return exitStatus.startsWith(ALL_CLOSED);
        }
    }

    /**
     * Figures of one h2load run: the rate over the measured period, the requests by outcome and by status
     * class, and what was negotiated (null when h2load did not say: no TLS, or no protocol agreed).
     */
    public record H2load(double requestsPerSecond, double seconds, long requests, long succeeded, long failed,
            long errored, long timeout, long status2xx, long statusOther, String applicationProtocol, String tlsProtocol,
            String cipher) {

        /** Returns every request that did not end in a 2xx answer: failed, errored, timed out or another status. */
        public long errors() {
            return Math.max(requests - status2xx, failed + errored + timeout);
        }

        /** Returns how the errors came, empty when there were none. */
        public String errorDetail() {
            return errors() == 0 ? "" : String.format(Locale.ROOT, "%d failed, %d errored, %d timeout, %d not 2xx",
                    failed, errored, timeout, statusOther);
        }
    }

    /**
     * Parses h2load's summary. The rate is h2load's own: requests done over the measured period (after the
     * warm-up with {@code -D}). Fails when the summary is missing, for example when no client connected.
     */
    public static H2load h2load(String output) {
        Matcher finished = H2_FINISHED.matcher(output);
        Matcher requests = H2_REQUESTS.matcher(output);
        Matcher status = H2_STATUS.matcher(output);
        if (!finished.find() || !requests.find() || !status.find()) {
            throw new IllegalArgumentException("unexpected h2load output: " + tail(output));
        }
        long done = Long.parseLong(requests.group(3));
        double rate = Double.parseDouble(finished.group(3));
        double seconds = rate > 0 ? done / rate : millis(Double.parseDouble(finished.group(1)), finished.group(2)) / 1000;
        long ok = Long.parseLong(status.group(1));
        long other = Long.parseLong(status.group(2)) + Long.parseLong(status.group(3)) + Long.parseLong(status.group(4));
        return new H2load(rate, seconds, Long.parseLong(requests.group(1)), Long.parseLong(requests.group(4)),
                Long.parseLong(requests.group(5)), Long.parseLong(requests.group(6)), Long.parseLong(requests.group(7)),
                ok, other, last(H2_PROTOCOL, output), last(H2_TLS, output), last(H2_CIPHER, output));
    }

    /**
     * Reads h2load's {@code --log-file} (one line per request: start in microseconds since the epoch, status,
     * microseconds to the end of the response; status -1 for a failed stream) into the sorted durations of
     * the requests that got an answer, in milliseconds.
     */
    public static double[] h2loadLog(String log) {
        List<Double> millis = new ArrayList<>();
        for (String line : log.lines().toList()) {
            String[] columns = line.split("\t");
            if (columns.length < 3 || columns[1].trim().equals("-1")) {
                continue;
            }
            try {
                millis.add(Long.parseLong(columns[2].trim()) / 1000.0);
            } catch (NumberFormatException partial) {
                // a line cut short when h2load was stopped
            }
        }
        return millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    /** What one {@code openssl s_time} run reports: connections made, whole seconds of wall time, bytes read per connection. */
    public record STime(long connections, long realSeconds, long bytesPerConnection) {
    }

    /**
     * Parses {@code openssl s_time}'s last summary line ({@code N connections in T real seconds, B bytes read
     * per connection}); its other line counts the client's CPU time, not wall time. Fails when it is missing,
     * for example when the first connection failed.
     */
    public static STime sTime(String output) {
        Matcher matcher = S_TIME.matcher(output);
        STime found = null;
        while (matcher.find()) {
            found = new STime(Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2)), Long.parseLong(matcher.group(3)));
        }
        if (found == null) {
            throw new IllegalArgumentException("unexpected openssl s_time output: " + tail(output));
        }
        return found;
    }

    private static String last(Pattern pattern, String output) {
        Matcher matcher = pattern.matcher(output);
        String value = null;
        while (matcher.find()) {
            value = matcher.group(1);
        }
        return value;
    }

    /** The end of a tool's output, for an error message: h2load prints a line per connection on some errors. */
    private static String tail(String output) {
        String text = output.strip();
        return text.length() <= 600 ? text : "..." + text.substring(text.length() - 600);
    }

    /** Parses wrk's output; fails when the figures are missing, for example when it could not connect. */
    public static Wrk wrk(String output) {
        Matcher rps = WRK_RPS.matcher(output);
        Matcher requests = WRK_REQUESTS.matcher(output);
        if (!rps.find() || !requests.find()) {
            throw new IllegalArgumentException("unexpected wrk output: " + output.strip());
        }
        double[] percentiles = new double[4];
        Arrays.fill(percentiles, Double.NaN);
        Matcher percentile = WRK_PERCENTILE.matcher(output);
        while (percentile.find()) {
            int index = switch (percentile.group(1)) {
                case "50" -> 0;
                case "75" -> 1;
                case "90" -> 2;
                default -> 3;
            };
            percentiles[index] = millis(Double.parseDouble(percentile.group(2)), percentile.group(3));
        }
        long non2xx = 0;
        Matcher non = WRK_NON2XX.matcher(output);
        if (non.find()) {
            non2xx = Long.parseLong(non.group(1));
        }
        long socket = 0;
        String detail = "";
        Matcher errors = WRK_SOCKET.matcher(output);
        if (errors.find()) {
            for (int group = 1; group <= 4; group++) {
                socket += Long.parseLong(errors.group(group));
            }
            detail = errors.group().trim();
        }
        if (non2xx > 0) {
            detail = (detail.isEmpty() ? "" : detail + "; ") + non.group().trim();
        }
        double seconds = millis(Double.parseDouble(requests.group(2)), requests.group(3)) / 1000;
        return new Wrk(Double.parseDouble(rps.group(1)), Long.parseLong(requests.group(1)), seconds,
                percentiles[0], percentiles[2], percentiles[3], non2xx, socket, detail);
    }

    /** Parses the output of wrk run with the fixed-rate script; fails when the script's summary is missing. */
    public static FixedRate fixedRate(String output) {
        Matcher summary = RATE_SUMMARY.matcher(output);
        int begin = output.indexOf("FERRY-DISTRIBUTION");
        if (!summary.find() || begin < 0) {
            throw new IllegalArgumentException("unexpected wrk output: " + output.strip());
        }
        List<Figures.Point> points = new ArrayList<>();
        Matcher point = RATE_POINT.matcher(output.substring(begin, summary.start()));
        while (point.find()) {
            points.add(new Figures.Point(Double.parseDouble(point.group(1)), Long.parseLong(point.group(2)) / 1000.0));
        }
        return new FixedRate(Long.parseLong(summary.group(1)), Long.parseLong(summary.group(2)) / 1e6,
                Long.parseLong(summary.group(3)), Long.parseLong(summary.group(4)), Long.parseLong(summary.group(5)) / 1000.0,
                points);
    }

    /** Returns the value below which {@code percent} of the sorted values lie (nearest rank). */
    public static double percentile(double[] sorted, double percent) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(percent * sorted.length / 100 - 1e-9);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }

    /** Turns sorted durations into the points of a latency distribution plot. */
    public static List<Figures.Point> distribution(double[] sorted) {
        List<Figures.Point> points = new ArrayList<>();
        for (double percent : DISTRIBUTION) {
            points.add(new Figures.Point(percent, percentile(sorted, percent)));
        }
        return points;
    }

    /** When the server had closed half and nine tenths of an attack's connections, in seconds from its start; null if never. */
    public record Closing(Double halfSeconds, Double mostSeconds) {
    }

    /**
     * Reads slowhttptest's statistics file ({@code -g}: one line a second, the first column the second and
     * the second the connections closed so far) for when the server had closed half and nine tenths of
     * the attack's connections.
     */
    public static Closing closing(String csv, int connections) {
        return closing(csv, connections, null);
    }

    /**
     * As {@link #closing(String, int)}, knowing also that every connection was closed by {@code allClosedAt}
     * (from {@link SlowTest#allClosed()}), which the statistics miss when it happens between two lines.
     */
    public static Closing closing(String csv, int connections, Integer allClosedAt) {
        Double half = null;
        Double most = null;
        for (String line : csv.lines().skip(1).toList()) {
            String[] columns = line.split(",");
            if (columns.length < 2 || columns[0].isBlank()) {
                continue;
            }
            double second = Double.parseDouble(columns[0].trim());
            int closed = Integer.parseInt(columns[1].trim());
            if (half == null && closed * 2 >= connections) {
                half = second;
            }
            if (most == null && closed * 10 >= connections * 9) {
                most = second;
            }
        }
        if (allClosedAt != null) {
            half = half == null ? allClosedAt.doubleValue() : half;
            most = most == null ? allClosedAt.doubleValue() : most;
        }
        return new Closing(half, most);
    }

    /** Parses slowhttptest's console output: its last status report and how often it found the service down. */
    public static SlowTest slowhttptest(String output) {
        String text = ANSI.matcher(output).replaceAll("");
        int connected = -1;
        int closed = -1;
        int errors = -1;
        int pending = -1;
        int reports = 0;
        int unavailable = 0;
        Matcher field = SLOW_FIELD.matcher(text);
        while (field.find()) {
            String value = field.group(2);
            switch (field.group(1)) {
                case "connected" -> connected = Integer.parseInt(value);
                case "closed" -> closed = Integer.parseInt(value);
                case "error" -> errors = Integer.parseInt(value);
                case "pending" -> pending = Integer.parseInt(value);
                case "service available" -> {
                    reports++;
                    if (!value.toUpperCase(Locale.ROOT).startsWith("YES")) {
                        unavailable++;
                    }
                }
                default -> {
                }
            }
        }
        if (reports == 0) {
            throw new IllegalArgumentException("unexpected slowhttptest output: " + text.strip());
        }
        Matcher exit = SLOW_EXIT.matcher(text);
        String exitStatus = exit.find() ? exit.group(1).trim() : "unknown";
        Matcher ended = SLOW_ENDED.matcher(text);
        int endedSecond = ended.find() ? Integer.parseInt(ended.group(1)) : -1;
        if (exitStatus.startsWith(ALL_CLOSED)) {
            closed += Math.max(0, connected) + Math.max(0, pending);
            connected = 0;
            pending = 0;
        }
        return new SlowTest(connected, closed, errors, pending, unavailable, reports, exitStatus, endedSecond);
    }

    private static double millis(double value, String unit) {
        return switch (unit) {
            case "us" -> value / 1000;
            case "s" -> value * 1000;
            case "m" -> value * 60_000;
            default -> value;
        };
    }
}
