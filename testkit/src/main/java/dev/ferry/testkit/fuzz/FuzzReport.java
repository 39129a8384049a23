package dev.ferry.testkit.fuzz;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of a fuzz run: how many cases ran, the differences found, and a Markdown text of it all.
 *
 * @param seed the run's seed, which replays it with {@code -Dferry.fuzz.seed=}
 * @param requested how many cases were asked for
 * @param cases how many ran before the time limit
 * @param elapsed how long the cases took, servers' start and stop excluded
 * @param production differences between production servers that no known gap explains: each fails the run
 * @param covered differences between production servers that a known gap explains
 * @param dev differences between the dev server and the production servers, which agree: reported only
 * @param stale known gaps whose witness no longer shows their difference, each with what was seen
 * @param text the report in Markdown
 */
public record FuzzReport(long seed, int requested, int cases, Duration elapsed, List<Difference> production,
                         List<Difference> covered, List<Difference> dev, List<String> stale, String text) {

    /** Copies the lists. */
    public FuzzReport {
        production = List.copyOf(production);
        covered = List.copyOf(covered);
        dev = List.copyOf(dev);
        stale = List.copyOf(stale);
    }

    /** Returns whether the run fails: production servers differ beyond the known gaps, or a known gap is stale. */
    public boolean failed() {
        return !production.isEmpty() || !stale.isEmpty();
    }

    /** Returns a short summary for a failure message: one line per difference and stale gap. */
    public String summary() {
        StringBuilder text = new StringBuilder();
        for (Difference d : production) {
            text.append("\n- ").append(d.kind()).append(" (").append(d.cases()).append(" cases; ").append(d.servers())
                    .append(d.reproduced() ? "" : "; did not show again when resent")
                    .append("; replay with -Dferry.fuzz.seed=").append(d.seed()).append(" -Dferry.fuzz.cases=1): ")
                    .append(Text.brief(d.request(), 300));
            d.answers().forEach((server, answer) -> text.append("\n    ").append(server).append(": ").append(answer));
        }
        stale.forEach(gap -> text.append("\n- stale known gap: ").append(gap));
        return text.toString();
    }

    /**
     * One kind of difference, with its smallest request found.
     *
     * @param kind the mutations of the smallest request, as a {@link FuzzCase#kind()}
     * @param groups the servers grouped by identical answers
     * @param seed the seed of the first case that showed it
     * @param request the smallest request found, one char per octet, without the probe
     * @param answers each server's answer to that request (with the probe behind it)
     * @param cases how many cases showed this difference
     * @param reproduced whether the first case showed it again when sent a second time
     * @param gap the known gap that explains it, or empty
     */
    public record Difference(String kind, List<List<String>> groups, long seed, String request, Map<String, String> answers,
                             int cases, boolean reproduced, String gap) {

        /** Copies the collections. */
        public Difference {
            groups = groups.stream().map(List::copyOf).toList();
            answers = Collections.unmodifiableMap(new LinkedHashMap<>(answers));
        }

        /** Returns the groups as text, such as {@code netty | tomcat, undertow}. */
        public String servers() {
            return String.join(" | ", groups.stream().map(group -> String.join(", ", group)).toList());
        }
    }
}
