package dev.ferry.bench.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Derives a short plain-language verdict per target from its figures, by fixed rules applied to the
 * measurements: every clause states a measured fact, and the opening judgement follows from them.
 */
final class Verdicts {

    /** A probe share at or above this that failed means the server stalled under the attack. */
    static final double STALLED = 0.2;
    /** A probe median this many times the calm p50 (and over 50 ms) means the server slowed down. */
    static final double SLOWED = 10;

    private Verdicts() {
    }

    /** Returns the verdict for one target, compared with the others of the same run. */
    static String of(Figures.Target target, List<Figures.Target> all) {
        List<String> clauses = new ArrayList<>();
        boolean stalled = false;
        boolean slowed = false;
        for (Figures.Attack attack : attacks(target)) {
            String what = attack.kind().equals("slowloris") ? "slow connections (slowloris)" : "slow request bodies";
            if (attack.probes() == 0) {
                continue;
            }
            if (attack.failureShare() >= STALLED) {
                stalled = true;
                clauses.add(String.format(Locale.ROOT, "stalled under %d %s: %d of %d ordinary requests failed",
                        attack.connections(), what, attack.probeFailures(), attack.probes()));
            } else if (isSlowed(target, attack)) {
                slowed = true;
                clauses.add(String.format(Locale.ROOT, "slowed down under %d %s (ordinary requests took %s ms at the median)",
                        attack.connections(), what, Metric.of("slowlorisP50").format(attack.probeP50Millis())));
            } else {
                clauses.add(String.format(Locale.ROOT, "kept serving under %d %s%s", attack.connections(), what,
                        attack.probeFailures() > 0 ? String.format(Locale.ROOT, " (%d of %d probes failed)",
                                attack.probeFailures(), attack.probes()) : ""));
            }
        }
        Figures.Hardening hardening = target.hardening();
        boolean hardeningGaps = hardening != null && hardening.failed() > 0;
        if (hardening != null && hardening.total() > 0) {
            clauses.add(hardening.failed() == 0
                    ? String.format(Locale.ROOT, "passed all %d hardening checks", hardening.total())
                    : String.format(Locale.ROOT, "failed %d of %d hardening checks", hardening.failed(), hardening.total()));
        }
        Double throughput = Metric.of("throughput").value().apply(target);
        double best = all.stream().map(Metric.of("throughput").value()).filter(Objects::nonNull)
                .mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        if (throughput != null && best > 0) {
            double share = throughput / best;
            if (share >= 0.9) {
                clauses.add(String.format(Locale.ROOT, "the highest throughput here or within 10%% of it (%,.0f req/s)", throughput));
            } else {
                clauses.add(String.format(Locale.ROOT, "%.0f%% of the best throughput (%,.0f req/s)", share * 100, throughput));
            }
        }
        Double p99 = Metric.of("p99").value().apply(target);
        double bestP99 = all.stream().map(Metric.of("p99").value()).filter(Objects::nonNull)
                .mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        if (p99 != null && bestP99 > 0 && p99 > 2 * bestP99 && p99 - bestP99 > 1) {
            clauses.add(String.format(Locale.ROOT, "p99 latency %.1f times the best (%.2f ms)", p99 / bestP99, p99));
        }
        if (target.load() != null && target.load().errors() > 0) {
            clauses.add(String.format(Locale.ROOT, "%d errors under load", target.load().errors()));
        }
        String lead;
        boolean slowlorisStalled = target.slowloris() != null && target.slowloris().probes() > 0
                && target.slowloris().failureShare() >= STALLED;
        if (slowlorisStalled) {
            lead = "fine for one developer; not for untrusted clients";
        } else if (stalled || hardeningGaps) {
            lead = "has gaps against hostile clients; keep it behind a protecting proxy";
        } else if (attacks(target).isEmpty() && hardening == null) {
            lead = "no attack or hardening figures, so no judgement on hostile clients";
        } else if (slowed) {
            lead = "serves production traffic, but slows down under slow clients";
        } else {
            lead = "held up under everything measured here";
        }
        return lead + (clauses.isEmpty() ? "" : ": " + String.join("; ", clauses)) + ".";
    }

    private static boolean isSlowed(Figures.Target target, Figures.Attack attack) {
        if (attack.probeP50Millis() == null) {
            return false;
        }
        double calm = target.latency() != null ? target.latency().p50Millis() : 1;
        return attack.probeP50Millis() > 50 && attack.probeP50Millis() > SLOWED * Math.max(calm, 0.1);
    }

    private static List<Figures.Attack> attacks(Figures.Target target) {
        List<Figures.Attack> attacks = new ArrayList<>();
        if (target.slowloris() != null) {
            attacks.add(target.slowloris());
        }
        if (target.slowBody() != null) {
            attacks.add(target.slowBody());
        }
        return attacks;
    }
}
