package dev.ferry.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The CPU time a server spends per request, A against B, alternated in one run. On a machine shared
 * with other work, throughput swings with whatever else runs, while the CPU time a server burns per
 * request barely does; the ratio cost(A) / cost(B) is what the throughput ratio B/A would be on a
 * core of its own. Uses {@link AbRatio}'s targets, pinning and wrk runs, and reads the server's CPU
 * time from {@code /proc/PID/stat}. Any of {@link AbRatio}'s protocols: over TLS, HTTP/2, or new TLS
 * connections (where the cost is per connection, and a load that does not saturate the server says
 * little of its throughput while the cost still measures it).
 *
 * <pre>
 * java -cp bench/target/ferry-bench.jar dev.ferry.bench.CpuCost --a raw-netty --b netty-io \
 *     [--paths /plaintext,/json] [--rounds 8] [--seconds 5] [--warmup 40] [--protocol h1|h1-tls|h2c|h2|handshake] \
 *     [the other options of AbRatio]
 * </pre>
 */
public final class CpuCost {

    private CpuCost() {
    }

    /**
     * One load run: requests served, CPU microseconds per request (all threads, and the serving
     * threads alone: without the JIT compilers, GC and other JVM housekeeping), p99, and the share of
     * one core the server used.
     */
    record Cost(double requests, double cpuMicrosPerRequest, double servingMicrosPerRequest, double p99Millis,
                double requestsPerSecond, double cpuShare) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = AbRatio.options(args);
        String a = options.get("a");
        String b = options.get("b");
        List<String> paths = List.of(options.getOrDefault("paths", "/plaintext,/json").split(","));
        AbRatio.Settings settings = AbRatio.settings(options, 8, 5);
        int seconds = settings.seconds();
        System.out.printf(Locale.ROOT, "A=%s B=%s protocol=%s paths=%s rounds=%d seconds=%d warmup=%d jvm=%s%n",
                a, b, settings.protocol().label(), paths, settings.rounds(), seconds, settings.warmup(),
                String.join(" ", settings.jvmFlags()));
        try (BenchCertificate certificate = settings.protocol().tls() ? BenchCertificate.create() : null;
                AbRatio.Target first = AbRatio.start(a, settings, certificate);
                AbRatio.Target second = AbRatio.start(b, settings, certificate)) {
            for (String path : paths) {
                for (AbRatio.Target target : List.of(first, second)) {
                    AbRatio.Warm warm = AbRatio.warmUp(target, path, settings);
                    System.out.printf(Locale.ROOT, "%s: warmed up %d s%n", target.name, warm.seconds());
                }
                List<Double> costRatios = new ArrayList<>();
                List<Double> servingRatios = new ArrayList<>();
                List<Double> rpsRatios = new ArrayList<>();
                List<Double> p99Ratios = new ArrayList<>();
                for (int round = 0; round < settings.rounds(); round++) {
                    boolean aFirst = round % 2 == 0;
                    Cost x = measure(aFirst ? first : second, path, settings);
                    Cost y = measure(aFirst ? second : first, path, settings);
                    Cost costA = aFirst ? x : y;
                    Cost costB = aFirst ? y : x;
                    costRatios.add(costA.cpuMicrosPerRequest / costB.cpuMicrosPerRequest);
                    servingRatios.add(costA.servingMicrosPerRequest / costB.servingMicrosPerRequest);
                    rpsRatios.add(costB.requestsPerSecond / costA.requestsPerSecond);
                    p99Ratios.add(costB.p99Millis / costA.p99Millis);
                    System.out.printf(Locale.ROOT,
                            "%s round %d: A %.1f (serving %.1f) us/req %.0f req/s CPU %.0f%% p99 %.2f ms | B %.1f (serving %.1f) us/req %.0f req/s CPU %.0f%% p99 %.2f ms | cost A/B %.3f, serving %.3f, req/s B/A %.3f%n",
                            path, round + 1, costA.cpuMicrosPerRequest, costA.servingMicrosPerRequest,
                            costA.requestsPerSecond, 100 * costA.cpuShare, costA.p99Millis, costB.cpuMicrosPerRequest,
                            costB.servingMicrosPerRequest, costB.requestsPerSecond, 100 * costB.cpuShare, costB.p99Millis,
                            costRatios.getLast(), servingRatios.getLast(), rpsRatios.getLast());
                }
                System.out.printf(Locale.ROOT,
                        "RESULT %s %s %s vs %s: CPU-cost ratio A/B median %.3f (min %.3f, max %.3f); serving threads only median %.3f (min %.3f, max %.3f); req/s B/A median %.3f (min %.3f, max %.3f); p99 B/A median %.2f (min %.2f, max %.2f)%n",
                        settings.protocol().label(), path, b, a, median(costRatios), min(costRatios), max(costRatios),
                        median(servingRatios), min(servingRatios), max(servingRatios), median(rpsRatios),
                        min(rpsRatios), max(rpsRatios), median(p99Ratios), min(p99Ratios), max(p99Ratios));
            }
        }
    }

    private static Cost measure(AbRatio.Target target, String path, AbRatio.Settings settings)
            throws IOException, InterruptedException {
        int seconds = settings.seconds();
        long[] before = target.cpuTicks();
        long started = System.nanoTime();
        AbRatio.Run run = AbRatio.load(target, path, seconds, settings);
        double elapsed = (System.nanoTime() - started) / 1e9;
        long[] after = target.cpuTicks();
        long ticks = after[0] - before[0];
        long servingTicks = after[2] - before[2];
        double requests = run.requestsPerSecond() * seconds;
        double cpuMicros = ticks * 1e6 / 100.0; // USER_HZ is 100 on Linux
        if (elapsed > seconds * 1.5) {
            System.out.printf(Locale.ROOT, "  (the load took %.1f s for a %d s run)%n", elapsed, seconds);
        }
        double p99 = AbRatio.withLatency(run, target, path, settings).p99Millis(); // after the CPU time is read
        return new Cost(requests, cpuMicros / requests, servingTicks * 1e6 / 100.0 / requests, p99,
                run.requestsPerSecond(), cpuMicros / 1e6 / elapsed);
    }

    private static double median(List<Double> values) {
        return AbRatio.median(array(values));
    }

    private static double min(List<Double> values) {
        return AbRatio.min(array(values));
    }

    private static double max(List<Double> values) {
        return AbRatio.max(array(values));
    }

    private static double[] array(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
