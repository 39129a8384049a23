package dev.ferry.testkit.fuzz;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes a run's report as Markdown. */
final class ReportText {

    private ReportText() {
    }

    static String write(Campaign run, List<FuzzReport.Difference> production, List<FuzzReport.Difference> covered,
                        List<FuzzReport.Difference> dev, List<String> stale, Duration elapsed) {
        Fuzzer.Options options = run.options();
        StringBuilder text = new StringBuilder("# Differential fuzz report\n\n");
        text.append("| | |\n|---|---|\n");
        text.append("| servers | ").append(String.join(", ", run.subjects().stream()
                .map(s -> s.name() + (s.production() ? "" : " (development: reported, never failed)")).toList())).append(" |\n");
        text.append("| seed | ").append(options.seed()).append(" (replay: `-Dferry.fuzz.seed=").append(options.seed())
                .append(" -Dferry.fuzz.cases=").append(options.cases()).append("`) |\n");
        text.append("| cases | ").append(run.ran()).append(" of ").append(options.cases()).append(" requested")
                .append(run.ran() < options.cases() ? ", stopped by the time limit of " + options.timeLimit().toSeconds() + " s" : "")
                .append(", each on every server |\n");
        double seconds = elapsed.toMillis() / 1000.0;
        text.append("| time | ").append(String.format(Locale.ROOT, "%.1f s (%.0f cases/s, %d in flight)", seconds,
                run.ran() / Math.max(0.001, seconds), options.parallelism())).append(" |\n");
        long[] exchanges = run.exchanges();
        text.append("| exchanges | ").append(exchanges[0]).append(" (one connection each), ").append(exchanges[1])
                .append(" of them to reproduce and minimise differences; ").append(exchanges[2]).append(" waited the whole ")
                .append(options.timeout().toMillis()).append(" ms timeout |\n");
        text.append("| compared | ").append(options.exactStatus() ? "status code" : "status class")
                .append(" of every response, what the app saw (method, raw target, version, Host, body length and SHA-256),"
                        + " and whether the probe behind the case was answered (the connection stayed open) |\n");
        text.append("| probe | `").append(Text.escape(Fuzzer.PROBE)).append("` |\n");
        text.append("| settings | ").append(Fuzzer.config()).append(" |\n\n");
        text.append("Replay one case with `-Dferry.fuzz.seed=<its seed> -Dferry.fuzz.cases=1`. Differences are grouped by the"
                + " mutations of their smallest request and by which servers answered alike; a case already explained by a"
                + " smaller one is counted, not minimised again. Requests are shown with `\\r`, `\\n`, `\\t` and `\\xNN`"
                + " escapes, and `c{xN}` for N copies of c; replaying a seed runs the original case and minimises it again.\n\n");

        text.append("## Production servers: ").append(production.isEmpty() ? "no unexplained difference"
                : production.size() + " kinds of difference, " + production.stream().mapToInt(FuzzReport.Difference::cases).sum()
                + " cases").append("\n\n");
        table(text, production);
        details(text, production);
        if (run.unsorted() > 0) {
            text.append("Another ").append(run.unsorted()).append(" differing cases were not sorted: too many kinds.\n\n");
        }

        text.append("## Known gaps\n\n");
        if (covered.isEmpty() && stale.isEmpty()) {
            text.append("None listed, or none seen.\n\n");
        }
        for (String gap : stale) {
            text.append("- STALE: ").append(gap).append('\n');
        }
        table(text, covered);
        details(text, covered);

        text.append("## Dev server: differences from the production servers (reported, not failed)\n\n");
        if (dev.isEmpty()) {
            text.append("None.\n\n");
        }
        table(text, dev);
        details(text, dev);

        text.append("## Cases per mutation family\n\n");
        for (Map.Entry<String, Long> family : run.families().entrySet()) {
            text.append("- ").append(family.getKey()).append(": ").append(family.getValue()).append('\n');
        }
        text.append("\nMutations: ").append(String.join(", ", run.mutations())).append('\n');
        return text.toString();
    }

    private static void table(StringBuilder text, List<FuzzReport.Difference> differences) {
        if (differences.isEmpty()) {
            return;
        }
        text.append("| # | kind | servers, grouped by answer | cases | first seed | reproduced |\n|---|---|---|---|---|---|\n");
        int n = 1;
        for (FuzzReport.Difference d : differences) {
            text.append("| ").append(n++).append(" | ").append(d.kind()).append(d.gap().isEmpty() ? "" : " (gap " + d.gap() + ")")
                    .append(" | ").append(d.servers()).append(" | ").append(d.cases()).append(" | ").append(d.seed()).append(" | ")
                    .append(d.reproduced() ? "yes" : "no: a race?").append(" |\n");
        }
        text.append('\n');
    }

    private static void details(StringBuilder text, List<FuzzReport.Difference> differences) {
        int n = 1;
        for (FuzzReport.Difference d : differences) {
            text.append("### ").append(n++).append(". ").append(d.kind()).append(" - ").append(d.servers())
                    .append("\n\nReplay: `-Dferry.fuzz.seed=").append(d.seed()).append(" -Dferry.fuzz.cases=1`; the smallest request:")
                    .append("\n\n```\n> ")
                    .append(Text.brief(d.request(), 1500)).append("  (+ probe)\n");
            d.answers().forEach((server, answer) -> text.append(server).append(": ").append(answer).append('\n'));
            text.append("```\n\n");
        }
    }
}
