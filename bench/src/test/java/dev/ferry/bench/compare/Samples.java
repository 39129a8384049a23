package dev.ferry.bench.compare;

import java.util.ArrayList;
import java.util.List;

/** A fixed set of recorded figures: four targets, the dev server stalling under slowloris, and two ratios. */
final class Samples {

    private Samples() {
    }

    static Figures.Run run() {
        List<Figures.Target> targets = List.of(
                target("dev", "dev", "virtual", false, 420, 48.2, 21, 9_800, 0.61, 2.9, 9.7,
                        attack("slowloris", 40, 31, 612.0, 2004.0), attack("slow body", 44, 0, 1.2, 3.8),
                        new Figures.Hardening(38, 12, 0, List.of("requestHeaderTimeout: connection stayed open",
                                "obsFoldIs400: expected 400 but was 200 <&>"), 21.5), 210_000),
                target("undertow", "undertow", "virtual", true, 610, 61.5, 28, 31_500, 0.35, 1.4, 4.1,
                        attack("slowloris", 44, 0, 0.9, 4.2), attack("slow body", 45, 0, 1.0, 3.3),
                        new Figures.Hardening(50, 0, 0, List.of(), 18.0), 3_900_000),
                target("netty-io", "netty", "io", true, 540, 57.0, 24, 38_200, 0.31, 1.1, 3.2,
                        attack("slowloris", 45, 0, 0.8, 2.9), attack("slow body", 45, 1, 1.1, 2100.0),
                        new Figures.Hardening(50, 0, 0, List.of(), 17.2), 5_100_000),
                target("tomcat", "tomcat", "virtual", true, 980, 88.4, 45, 24_100, 0.42, 1.9, 6.6,
                        attack("slowloris", 44, 0, 95.0, 310.0), attack("slow body", 44, 0, 1.4, 5.0),
                        new Figures.Hardening(50, 0, 0, List.of(), 19.9), 3_600_000));
        List<Figures.Ratio> ratios = List.of(
                new Figures.Ratio("raw-undertow", "undertow-io", "/plaintext", List.of(0.93, 0.95, 0.91, 0.96),
                        0.94, 0.91, 0.96, 1.08, 40_100, 37_700),
                new Figures.Ratio("raw-netty", "netty-io", "/plaintext", List.of(0.88, 0.9, 0.86, 0.91),
                        0.89, 0.86, 0.91, 1.12, 45_000, 40_000),
                new Figures.Ratio("raw-servlet", "tomcat", "/plaintext", List.of(0.71, 0.69, 0.75, 0.7),
                        0.705, 0.69, 0.75, 1.4, 21_000, 14_800, "h2"),
                new Figures.Ratio("raw-netty", "netty", "/plaintext", List.of(0.97, 1.01, 0.99, 0.98),
                        0.985, 0.97, 1.01, Double.NaN, 640, 630, "handshake"));
        return new Figures.Run("2026-11-21T20:00:00Z", new Figures.Environment("25.0.1", "Linux amd64", 2, "1.20 1.10 0.90",
                "1.80 1.40 1.00"), new Figures.Settings("hello", "/plaintext", "/echo", "-Xms256m -Xmx256m -XX:+UseParallelGC",
                "0", "1", 64, 4, 6, 2000, 6, 200, 20, 45), targets, ratios, 431.5,
                List.of("The machine is shared; absolute figures are noisy."));
    }

    static Figures.Target target(String name, String server, String execution, boolean production, double startup,
            double idleRss, int idleThreads, double throughput, double p50, double p99, double p999, Figures.Attack slowloris,
            Figures.Attack slowBody, Figures.Hardening hardening, long bytes) {
        double[] sorted = new double[1000];
        for (int i = 0; i < sorted.length; i++) {
            double share = (i + 1) / 1000.0;
            sorted[i] = share <= 0.5 ? p50 * share * 2 : share <= 0.99 ? p50 + (p99 - p50) * (share - 0.5) / 0.49
                    : p99 + (p999 - p99) * (share - 0.99) / 0.01;
        }
        Figures.Latency latency = new Figures.Latency(2000, 6, 12_000, 0, 1999.5, p50, Parsers.percentile(sorted, 90), p99, p999,
                p999 * 1.2, Parsers.distribution(sorted));
        Figures.Load load = new Figures.Load(64, 6, throughput, (long) (throughput * 6), 0, "", idleRss * 1.6, idleThreads + 12);
        return new Figures.Target(name, server, execution, production, startup, idleRss, idleThreads, load, latency, slowloris,
                slowBody, hardening, new Figures.Footprint(3, bytes, List.of(server + ".jar", "a.jar", "b.jar")), 0,
                new ArrayList<>(List.of()));
    }

    static Figures.Attack attack(String kind, int probes, int failures, Double p50, Double max) {
        return new Figures.Attack(kind, 200, 20, probes, failures, p50, max, 200 - failures, failures, 0,
                failures > probes / 2 ? 3 : 0, "Hit test time limit", failures > 0 ? 11.0 : null, failures > 0 ? 12.0 : null);
    }
}
