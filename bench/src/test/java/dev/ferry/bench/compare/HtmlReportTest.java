package dev.ferry.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlReportTest {

    private final Figures.Run run = Samples.run();
    private final String html = HtmlReport.render(run);

    static int count(String text, String needle) {
        Matcher matcher = Pattern.compile(Pattern.quote(needle)).matcher(text);
        int count = 0;
        while (matcher.find()) {
            count++;
        }
        return count;
    }

    @Test
    void oneChartPerMetricPlusLatencyAndRatios() {
        assertEquals(Metric.ALL.size() + 2, HtmlReport.chartCount(run));
        assertEquals(HtmlReport.chartCount(run), count(html, "<svg "));
        for (Metric metric : Metric.ALL) {
            assertTrue(html.contains("data-metric=\"" + metric.key() + "\""), metric.key());
        }
        assertTrue(html.contains("data-metric=\"latency-distribution\""));
        assertTrue(html.contains("data-metric=\"ratios\""));
        assertEquals(4, count(html, "<polyline "), "one latency line per target");
    }

    @Test
    void selfContained() {
        assertFalse(html.contains("<script"), "no script");
        assertFalse(html.contains("<link"), "no stylesheet link");
        assertFalse(html.contains(" src="), "no external image or frame");
        assertFalse(html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "").matches("(?s).*https?://.*"),
                "no URL besides the SVG namespace");
        assertTrue(html.startsWith("<!DOCTYPE html>"));
    }

    @Test
    void tableVerdictsAndDetailsComeFromTheFigures() {
        for (Figures.Target target : run.targets()) {
            assertTrue(html.contains(HtmlReport.esc(Verdicts.of(target, run.targets()))), target.name());
        }
        assertTrue(html.contains("<td>31,500</td>"), "undertow's throughput in the table");
        assertTrue(html.contains("failed: obsFoldIs400: expected 400 but was 200 &lt;&amp;&gt;"), "escaped failure text");
        assertTrue(html.contains("<td>slowloris</td><td>200</td><td>20</td><td>40</td><td>31</td><td>612.0</td>"), html);
        assertTrue(html.contains("<td>11</td><td>12</td><td>"), "when the server had closed half and nine tenths of the attackers");
        assertTrue(html.contains("<td>undertow-io</td><td>raw-undertow</td><td>h1</td><td>/plaintext</td><td>4</td><td>0.940</td>"), html);
        assertTrue(html.contains("<td>tomcat</td><td>raw-servlet</td><td>h2</td><td>/plaintext</td><td>4</td><td>0.705</td>"), html);
        assertTrue(html.contains("<td>handshake</td><td>/plaintext</td><td>4</td><td>0.985</td><td>0.970</td><td>1.010</td><td>-</td>"
                + "<td>640</td><td>630</td>"), "a handshake row has no p99 ratio: " + html);
        assertTrue(html.contains(">tomcat vs raw-servlet h2 /plaintext</text>"), html);
        assertTrue(html.contains("The run took 7:12."), html);
    }

    @Test
    void aRatiosOnlyRunShowsOnlyTheRatios() {
        Figures.Run ratios = new Figures.Run(run.createdAt(), run.environment(), run.settings(), List.of(), run.ratios(),
                run.totalSeconds(), run.notes());
        String page = HtmlReport.render(ratios);
        assertEquals(1, HtmlReport.chartCount(ratios));
        assertEquals(1, count(page, "<svg "));
        assertFalse(page.contains("<h2>Verdicts"));
        String console = ConsoleTable.render(ratios);
        assertFalse(console.contains("target "), console);
        assertTrue(console.contains("netty-io     / raw-netty    h1        /plaintext median 0.890 (min 0.860, max 0.910 over 4 rounds)"),
                console);
        assertTrue(console.contains("tomcat       / raw-servlet  h2        /plaintext median 0.705 (min 0.690, max 0.750 over 4 rounds)"),
                console);
    }

    @Test
    void anInfiniteRatioStaysOnTheChart() {
        Figures.Ratio broken = new Figures.Ratio("raw-netty", "netty-io", "/json", List.of(0.74, Double.POSITIVE_INFINITY, 4.83, 0.36),
                2.78, 0.36, Double.POSITIVE_INFINITY, 2.68, 9840, 9050);
        Figures.Run withBroken = new Figures.Run(run.createdAt(), run.environment(), run.settings(), List.of(), List.of(broken),
                run.totalSeconds(), run.notes());
        String page = HtmlReport.render(withBroken);
        assertFalse(page.contains("Infinity") || page.contains("NaN"), page);
    }

    @Test
    void unmeasuredMetricsLeaveTheirChartOut() {
        Figures.Target bare = new Figures.Target("dev", "dev", "virtual", false, 300.0, 40.0, 20, null, null, null, null, null,
                null, 0, List.of("wrk is missing"));
        Figures.Run partial = new Figures.Run(run.createdAt(), run.environment(), run.settings(), List.of(bare), List.of(),
                run.totalSeconds(), run.notes());
        String page = HtmlReport.render(partial);
        assertEquals(2, HtmlReport.chartCount(partial), "start-up and idle memory only");
        assertEquals(2, count(page, "<svg "));
        assertTrue(page.contains("<li>wrk is missing</li>"));
    }
}
