package dev.ferry.bench.compare;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * One figure compared across targets: its name, unit, which direction is better, and how to read it
 * from a target's results ({@code null} when not measured). The console table, the charts and the
 * baseline diff all use this one list.
 */
record Metric(String key, String label, String unit, boolean higherIsBetter, int decimals,
        Function<Figures.Target, Double> value) {

    /** Every metric, in the order the table and the report show them. */
    static final List<Metric> ALL = List.of(
            new Metric("startup", "Start-up to first response", "ms", false, 0, Figures.Target::startupMillis),
            new Metric("idleRss", "Idle resident memory", "MiB", false, 1, Figures.Target::idleRssMiB),
            new Metric("throughput", "Throughput at fixed concurrency", "req/s", true, 0,
                    t -> t.load() == null ? null : t.load().requestsPerSecond()),
            new Metric("p50", "Latency p50 at fixed rate", "ms", false, 2,
                    t -> t.latency() == null ? null : t.latency().p50Millis()),
            new Metric("p99", "Latency p99 at fixed rate", "ms", false, 2,
                    t -> t.latency() == null ? null : t.latency().p99Millis()),
            new Metric("p999", "Latency p99.9 at fixed rate", "ms", false, 2,
                    t -> t.latency() == null ? null : t.latency().p999Millis()),
            new Metric("loadRss", "Resident memory under load", "MiB", false, 1,
                    t -> t.load() == null || t.load().peakRssMiB() == null ? null : t.load().peakRssMiB()),
            new Metric("loadThreads", "Threads under load", "threads", false, 0,
                    t -> t.load() == null || t.load().peakThreads() == null ? null : t.load().peakThreads().doubleValue()),
            new Metric("loadErrors", "Errors under load", "errors", false, 0, Metric::errors),
            new Metric("slowlorisServed", "Probes served during slowloris", "%", true, 0,
                    t -> t.slowloris() == null ? null : 100 * (1 - t.slowloris().failureShare())),
            new Metric("slowlorisP50", "Probe median during slowloris", "ms", false, 1,
                    t -> t.slowloris() == null ? null : t.slowloris().probeP50Millis()),
            new Metric("slowBodyServed", "Probes served during slow body", "%", true, 0,
                    t -> t.slowBody() == null ? null : 100 * (1 - t.slowBody().failureShare())),
            new Metric("slowBodyP50", "Probe median during slow body", "ms", false, 1,
                    t -> t.slowBody() == null ? null : t.slowBody().probeP50Millis()),
            new Metric("hardening", "Hardening checks passed", "%", true, 0,
                    t -> t.hardening() == null || t.hardening().total() == 0 ? null
                            : 100.0 * t.hardening().passed() / t.hardening().total()),
            new Metric("added", "Added to the app", "MiB", false, 2,
                    t -> t.footprint() == null ? null : t.footprint().bytes() / (1024.0 * 1024)));

    private static Double errors(Figures.Target t) {
        if (t.load() == null && t.latency() == null) {
            return null;
        }
        double errors = t.serverLogErrors();
        if (t.load() != null) {
            errors += t.load().errors();
        }
        if (t.latency() != null) {
            errors += t.latency().failed();
        }
        return errors;
    }

    /** Looks a metric up by key. */
    static Metric of(String key) {
        return ALL.stream().filter(m -> m.key.equals(key)).findFirst().orElseThrow();
    }

    /** Formats a value of this metric for a table cell: "-" when not measured. */
    String format(Double v) {
        if (v == null || v.isNaN()) {
            return "-";
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }
}
