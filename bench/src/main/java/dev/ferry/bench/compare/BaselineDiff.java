package dev.ferry.bench.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Compares a run with an earlier one, metric by metric and target by target: a change larger than the
 * noise threshold (relative) is reported as better or worse according to the metric's direction.
 */
final class BaselineDiff {

    /** One metric of one target that moved beyond the threshold. */
    record Change(String target, Metric metric, double before, double after, boolean better) {

        /** Returns the relative change, after over before minus one. */
        double relative() {
            return before == 0 ? Double.POSITIVE_INFINITY : after / before - 1;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-7s %-12s %-34s %s -> %s %s (%+.0f%%)", better ? "BETTER" : "WORSE",
                    target, metric.label(), metric.format(before), metric.format(after), metric.unit(), relative() * 100);
        }
    }

    private BaselineDiff() {
    }

    /** Returns the changes beyond {@code threshold} (0.1 = 10 %) between the targets both runs measured. */
    static List<Change> changes(Figures.Run before, Figures.Run after, double threshold) {
        List<Change> changes = new ArrayList<>();
        for (Figures.Target now : after.targets()) {
            Optional<Figures.Target> then = before.targets().stream().filter(t -> t.name().equals(now.name())).findFirst();
            if (then.isEmpty()) {
                continue;
            }
            for (Metric metric : Metric.ALL) {
                Double a = metric.value().apply(then.get());
                Double b = metric.value().apply(now);
                if (a == null || b == null || a.isNaN() || b.isNaN() || a.equals(b)) {
                    continue;
                }
                double relative = a == 0 ? Double.POSITIVE_INFINITY : Math.abs(b - a) / Math.abs(a);
                if (relative <= threshold) {
                    continue;
                }
                boolean better = metric.higherIsBetter() ? b > a : b < a;
                changes.add(new Change(now.name(), metric, a, b, better));
            }
        }
        return changes;
    }

    /** Renders the comparison for the console, naming targets only one of the runs measured. */
    static String render(Figures.Run before, Figures.Run after, double threshold) {
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT,
                "Compared with the baseline of %s (changes beyond %.0f%% noise threshold):%n",
                before.createdAt(), threshold * 100));
        List<Change> changes = changes(before, after, threshold);
        if (changes.isEmpty()) {
            text.append("  nothing moved beyond the threshold\n");
        }
        changes.stream().filter(Change::better).forEach(c -> text.append("  ").append(c).append('\n'));
        changes.stream().filter(c -> !c.better()).forEach(c -> text.append("  ").append(c).append('\n'));
        for (Figures.Target t : after.targets()) {
            if (before.targets().stream().noneMatch(b -> b.name().equals(t.name()))) {
                text.append("  new target ").append(t.name()).append(" (not in the baseline)\n");
            }
        }
        for (Figures.Target t : before.targets()) {
            if (after.targets().stream().noneMatch(a -> a.name().equals(t.name()))) {
                text.append("  target ").append(t.name()).append(" was in the baseline but not measured now\n");
            }
        }
        return text.toString();
    }
}
