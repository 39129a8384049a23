package dev.ferry.bench.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a run's figures as a plain-text table for the console, one row per target. */
final class ConsoleTable {

    private static final Map<String, String> HEADERS = Map.ofEntries(
            Map.entry("startup", "start ms"), Map.entry("idleRss", "idle MiB"), Map.entry("throughput", "req/s"),
            Map.entry("p50", "p50 ms"), Map.entry("p99", "p99 ms"), Map.entry("p999", "p99.9 ms"),
            Map.entry("loadRss", "load MiB"), Map.entry("loadThreads", "threads"), Map.entry("loadErrors", "errors"),
            Map.entry("slowlorisServed", "loris ok%"), Map.entry("slowlorisP50", "loris ms"),
            Map.entry("slowBodyServed", "body ok%"), Map.entry("slowBodyP50", "body ms"),
            Map.entry("hardening", "hardening"), Map.entry("added", "added MiB"));

    private ConsoleTable() {
    }

    /** Returns the table: a header, a rule, one row per target, then each target's verdict. */
    static String render(Figures.Run run) {
        StringBuilder text = new StringBuilder();
        if (!run.targets().isEmpty()) {
            text.append(targets(run));
        }
        if (!run.ratios().isEmpty()) {
            text.append('\n').append("Adapter vs raw server (throughput B/A per round, A/B alternated):\n");
            for (Figures.Ratio ratio : run.ratios()) {
                text.append(String.format(Locale.ROOT, "  %-12s / %-12s %-9s %-10s median %.3f (min %.3f, max %.3f over %d rounds); p99 ratio %.2f%n",
                        ratio.ferry(), ratio.raw(), ratio.protocolLabel(), ratio.path(), ratio.median(), ratio.min(), ratio.max(),
                        ratio.throughputRatios().size(), ratio.p99RatioMedian()));
            }
        }
        return text.toString();
    }

    private static String targets(Figures.Run run) {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("target"));
        for (Metric metric : Metric.ALL) {
            header.add(HEADERS.getOrDefault(metric.key(), metric.key()));
        }
        rows.add(header);
        for (Figures.Target target : run.targets()) {
            List<String> row = new ArrayList<>(List.of(target.name()));
            for (Metric metric : Metric.ALL) {
                if (metric.key().equals("hardening") && target.hardening() != null) {
                    row.add(target.hardening().passed() + "/" + target.hardening().total());
                } else {
                    row.add(metric.format(metric.value().apply(target)));
                }
            }
            rows.add(row);
        }
        int[] widths = new int[header.size()];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder text = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                text.append(i == 0 ? String.format(Locale.ROOT, "%-" + widths[i] + "s", cell)
                        : String.format(Locale.ROOT, "  %" + widths[i] + "s", cell));
            }
            text.append('\n');
            if (r == 0) {
                int total = 0;
                for (int width : widths) {
                    total += width + 2;
                }
                text.append("-".repeat(total - 2)).append('\n');
            }
        }
        text.append('\n');
        for (Figures.Target target : run.targets()) {
            text.append(target.name()).append(": ").append(Verdicts.of(target, run.targets())).append('\n');
        }
        return text.toString();
    }
}
