package dev.ferry.bench.compare;

import java.util.List;

/**
 * Every figure one comparison run measured, as plain records that Jackson writes to and reads from
 * JSON. A metric that was not measured is {@code null}, and the target's notes say why.
 */
public final class Figures {

    private Figures() {
    }

    /** A whole run: where and how it ran, one result per target, and the adapter-vs-raw ratios. */
    public record Run(String createdAt, Environment environment, Settings settings, List<Target> targets,
            List<Ratio> ratios, double totalSeconds, List<String> notes) {
    }

    /** The machine and JVM the run used. */
    public record Environment(String java, String os, int cpus, String loadAverageAtStart, String loadAverageAtEnd) {
    }

    /** The knobs of the run, identical for every target. */
    public record Settings(String app, String path, String postPath, String jvmFlags, String serverCpu, String loadCpu,
            int connections, int warmupSeconds, int loadSeconds, int rate, int latencySeconds,
            int attackConnections, int slowlorisSeconds, int slowBodySeconds) {
    }

    /** What one target (server and execution mode) measured. */
    public record Target(String name, String server, String execution, boolean production,
            Double startupMillis, Double idleRssMiB, Integer idleThreads,
            Load load, Latency latency, Attack slowloris, Attack slowBody,
            Hardening hardening, Footprint footprint, int serverLogErrors, List<String> notes) {
    }

    /** Throughput at fixed concurrency, with the server's memory and threads sampled meanwhile. */
    public record Load(int connections, int seconds, double requestsPerSecond, long requests, long errors,
            String errorDetail, Double peakRssMiB, Integer peakThreads) {
    }

    /** Latency at a fixed request rate below saturation, from every request's own timing. */
    public record Latency(int rate, int seconds, long requests, long failed, double achievedRate,
            double p50Millis, double p90Millis, double p99Millis, double p999Millis, double maxMillis,
            List<Point> distribution) {
    }

    /** One point of a latency distribution: the share of requests (percent) answered within millis. */
    public record Point(double percentile, double millis) {
    }

    /**
     * A slow-client attack (slowloris or slow body) and what ordinary requests probed meanwhile met:
     * how many were served, how fast, the attack connections' state at the end, and how long after the
     * attack began the server had closed half and nine tenths of them (null when it never did).
     */
    public record Attack(String kind, int connections, int seconds, int probes, int probeFailures,
            Double probeP50Millis, Double probeMaxMillis, Integer attackConnected, Integer attackClosed,
            Integer attackErrors, int secondsUnavailable, String toolOutcome, Double halfClosedSeconds,
            Double mostClosedSeconds) {

        /** Returns the share of probes that failed, 0 to 1. */
        public double failureShare() {
            return probes == 0 ? 1 : (double) probeFailures / probes;
        }
    }

    /** The testkit's hardening tier run against the target: tests passed, failed and skipped. */
    public record Hardening(int passed, int failed, int skipped, List<String> failures, double seconds) {

        /** Returns the number of tests that ran to a pass or a failure. */
        public int total() {
            return passed + failed;
        }
    }

    /** What the server adds to the app's runtime class path beyond ferry-core: jars and bytes. */
    public record Footprint(int jars, long bytes, List<String> files) {
    }

    /**
     * An adapter-vs-raw ratio measured A/B alternated in one run: B's throughput over A's per round, with
     * the protocol it was measured over ({@code h1}, {@code h1-tls}, {@code h2c}, {@code h2}, or
     * {@code handshake}, where throughput is new TLS connections per second and there is no p99; null in
     * files written before protocols were added, meaning {@code h1}).
     */
    public record Ratio(String raw, String ferry, String path, List<Double> throughputRatios, double median,
            double min, double max, double p99RatioMedian, double rawRequestsPerSecond, double ferryRequestsPerSecond,
            String protocol) {

        /** A ratio over HTTP/1.1 on plain TCP. */
        public Ratio(String raw, String ferry, String path, List<Double> throughputRatios, double median,
                double min, double max, double p99RatioMedian, double rawRequestsPerSecond, double ferryRequestsPerSecond) {
            this(raw, ferry, path, throughputRatios, median, min, max, p99RatioMedian, rawRequestsPerSecond,
                    ferryRequestsPerSecond, "h1");
        }

        /** Returns the protocol, {@code h1} when the file predates protocols. */
        public String protocolLabel() {
            return protocol == null ? "h1" : protocol;
        }
    }
}
