package dev.ferry.bench.compare;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Writes a run as one self-contained HTML page: no script, no external resource, charts as inline
 * SVG. It holds the verdicts, the table, a bar chart per metric, the latency distributions, the
 * attack details, the hardening failures, the footprints and the adapter-vs-raw ratios.
 */
final class HtmlReport {

    private static final String[] COLOURS = {"#d9534f", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"};

    private HtmlReport() {
    }

    /** Returns the charts the page will hold: one per metric with at least one figure, the latency plot, the ratios. */
    static int chartCount(Figures.Run run) {
        int charts = 0;
        for (Metric metric : Metric.ALL) {
            if (run.targets().stream().map(metric.value()).anyMatch(Objects::nonNull)) {
                charts++;
            }
        }
        if (run.targets().stream().anyMatch(t -> t.latency() != null)) {
            charts++;
        }
        if (!run.ratios().isEmpty()) {
            charts++;
        }
        return charts;
    }

    /** Renders the page. */
    static String render(Figures.Run run) {
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Ferry: what each deployment target gives your app</title>\n<style>\n")
                .append("body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}\n")
                .append("table{border-collapse:collapse;font-size:13px;margin:1em 0}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}\n")
                .append("th.metric{text-align:left;font-weight:normal}\n")
                .append("th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}\n")
                .append(".charts{display:flex;flex-wrap:wrap;gap:12px}.chart{border:1px solid #ddd;border-radius:4px;background:#fff}\n")
                .append(".wide{overflow-x:auto}.verdict{margin:.3em 0}.dev{color:#b52b27}.note{color:#555;font-size:13px}code{background:#f5f5f5;padding:0 3px}\n")
                .append("</style></head><body>\n");
        html.append("<h1>What each deployment target gives your app</h1>\n");
        html.append("<p class=\"note\">App <code>").append(esc(run.settings().app())).append("</code>, measured ")
                .append(esc(run.createdAt())).append(" on ").append(esc(run.environment().os())).append(", ")
                .append(run.environment().cpus()).append(" CPUs, Java ").append(esc(run.environment().java()))
                .append(", JVM flags <code>").append(esc(run.settings().jvmFlags())).append("</code>, server on CPU ")
                .append(esc(run.settings().serverCpu())).append(", load generator on CPU ").append(esc(run.settings().loadCpu()))
                .append(". Load average at start ").append(esc(run.environment().loadAverageAtStart())).append(", at end ")
                .append(esc(run.environment().loadAverageAtEnd())).append(". The run took ")
                .append(Progress.clock(run.totalSeconds())).append(".</p>\n");
        for (String note : run.notes()) {
            html.append("<p class=\"note\">").append(esc(note)).append("</p>\n");
        }

        if (!run.targets().isEmpty()) {
            targetSections(run, html);
        }

        if (!run.ratios().isEmpty()) {
            html.append("<h2>Adapter overhead against the raw server</h2>\n");
            html.append("<p class=\"note\">Throughput of the Ferry target over the raw server serving the same bytes, A and B alternated "
                    + "in one run; bars show the median, whiskers the spread across rounds. Protocol h1 is HTTP/1.1 (wrk), h1-tls the same "
                    + "over TLS, h2c and h2 HTTP/2 without and with TLS (h2load), handshake new TLS connections per second "
                    + "(openssl s_time -new; the req/s columns then count connections).</p>\n");
            html.append(ratioChart(run.ratios()));
            html.append("<table><tr><th>Ferry target</th><th>raw server</th><th>protocol</th><th>path</th><th>rounds</th><th>median</th>"
                    + "<th>min</th><th>max</th><th>p99 ratio</th><th>raw req/s</th><th>Ferry req/s</th></tr>\n");
            for (Figures.Ratio ratio : run.ratios()) {
                html.append("<tr><td>").append(esc(ratio.ferry())).append("</td><td>").append(esc(ratio.raw())).append("</td><td>")
                        .append(esc(ratio.protocolLabel())).append("</td><td>").append(esc(ratio.path())).append("</td><td>").append(ratio.throughputRatios().size()).append("</td><td>")
                        .append(num(ratio.median(), 3)).append("</td><td>").append(num(ratio.min(), 3)).append("</td><td>")
                        .append(num(ratio.max(), 3)).append("</td><td>").append(num(ratio.p99RatioMedian(), 2)).append("</td><td>")
                        .append(num(ratio.rawRequestsPerSecond(), 0)).append("</td><td>").append(num(ratio.ferryRequestsPerSecond(), 0))
                        .append("</td></tr>\n");
            }
            html.append("</table>\n");
        }
        html.append("</body></html>\n");
        return html.toString();
    }

    private static void targetSections(Figures.Run run, StringBuilder html) {
        html.append("<h2>Verdicts</h2>\n");
        for (Figures.Target target : run.targets()) {
            html.append("<p class=\"verdict\"><b").append(target.production() ? "" : " class=\"dev\"").append(">")
                    .append(esc(target.name())).append("</b>: ").append(esc(Verdicts.of(target, run.targets()))).append("</p>\n");
        }

        // one column per target and one row per metric: a run has a handful of targets but many metrics,
        // so the table stays within the page however many metrics there are
        html.append("<h2>All figures</h2>\n<div class=\"wide\"><table id=\"figures\"><tr><th>metric</th>");
        for (Figures.Target target : run.targets()) {
            html.append("<th").append(target.production() ? "" : " class=\"dev\"").append(">").append(esc(target.name()))
                    .append("</th>");
        }
        html.append("</tr>\n");
        for (Metric metric : Metric.ALL) {
            html.append("<tr><th class=\"metric\">").append(esc(metric.label())).append(" (").append(esc(metric.unit()))
                    .append(")</th>");
            for (Figures.Target target : run.targets()) {
                html.append("<td>").append(esc(metric.format(metric.value().apply(target)))).append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</table></div>\n");
        html.append("<p class=\"note\">Throughput: wrk with ").append(run.settings().connections()).append(" connections for ")
                .append(run.settings().loadSeconds()).append(" s after ").append(run.settings().warmupSeconds())
                .append(" s of warm-up. Latency: wrk at about ").append(run.settings().rate())
                .append(" requests/s for ").append(run.settings().latencySeconds())
                .append(" s (a few connections, each pausing between requests; percentiles over every request). Attacks: slowhttptest with ")
                .append(run.settings().attackConnections()).append(" connections for ").append(run.settings().slowlorisSeconds())
                .append(" s (slowloris) and ").append(run.settings().slowBodySeconds())
                .append(" s (slow body), each longer than the server's timeout for it, while a probe sends one ordinary request at a time on a new connection (2 s deadline).</p>\n");

        html.append("<h2>Charts</h2>\n<div class=\"charts\">\n");
        for (Metric metric : Metric.ALL) {
            if (run.targets().stream().map(metric.value()).anyMatch(Objects::nonNull)) {
                html.append(barChart(metric, run.targets()));
            }
        }
        html.append("</div>\n");

        if (run.targets().stream().anyMatch(t -> t.latency() != null)) {
            html.append("<h2>Latency distribution at ").append(run.settings().rate()).append(" requests/s</h2>\n");
            html.append(latencyPlot(run.targets()));
        }

        html.append("<h2>Under slow clients</h2>\n<div class=\"wide\"><table><tr><th>target</th><th>attack</th><th>connections</th><th>seconds</th>")
                .append("<th>probes</th><th>failed</th><th>probe p50 ms</th><th>probe max ms</th>")
                .append("<th>attack connections open at end</th><th>closed by server</th><th>half closed after (s)</th>")
                .append("<th>nine tenths closed after (s)</th><th>slowhttptest saw service down</th></tr>\n");
        for (Figures.Target target : run.targets()) {
            for (Figures.Attack attack : new Figures.Attack[] {target.slowloris(), target.slowBody()}) {
                if (attack == null) {
                    continue;
                }
                html.append("<tr><td>").append(esc(target.name())).append("</td><td>").append(esc(attack.kind()))
                        .append("</td><td>").append(attack.connections()).append("</td><td>").append(attack.seconds())
                        .append("</td><td>").append(attack.probes()).append("</td><td>").append(attack.probeFailures())
                        .append("</td><td>").append(num(attack.probeP50Millis(), 1)).append("</td><td>")
                        .append(num(attack.probeMaxMillis(), 1)).append("</td><td>").append(integer(attack.attackConnected()))
                        .append("</td><td>").append(integer(attack.attackClosed())).append("</td><td>")
                        .append(attack.halfClosedSeconds() == null ? "never" : num(attack.halfClosedSeconds(), 0))
                        .append("</td><td>")
                        .append(attack.mostClosedSeconds() == null ? "never" : num(attack.mostClosedSeconds(), 0))
                        .append("</td><td>").append(attack.secondsUnavailable()).append(" reports</td></tr>\n");
            }
        }
        html.append("</table></div>\n");

        html.append("<h2>Hardening, footprint and notes per target</h2>\n");
        for (Figures.Target target : run.targets()) {
            html.append("<details><summary><b>").append(esc(target.name())).append("</b>");
            if (target.hardening() != null) {
                html.append(": hardening ").append(target.hardening().passed()).append(" of ").append(target.hardening().total())
                        .append(" passed");
            }
            if (target.footprint() != null) {
                html.append(String.format(Locale.ROOT, "; adds %d jars, %,d bytes", target.footprint().jars(),
                        target.footprint().bytes()));
            }
            html.append("</summary>\n<ul>");
            if (target.hardening() != null) {
                for (String failure : target.hardening().failures()) {
                    html.append("<li>failed: ").append(esc(failure)).append("</li>");
                }
            }
            if (target.footprint() != null) {
                html.append("<li>jars: ").append(esc(String.join(", ", target.footprint().files()))).append("</li>");
            }
            for (String note : target.notes()) {
                html.append("<li>").append(esc(note)).append("</li>");
            }
            html.append("</ul></details>\n");
        }

    }

    private static String barChart(Metric metric, List<Figures.Target> targets) {
        int rowHeight = 22;
        int labelWidth = 110;
        int barWidth = 230;
        int width = labelWidth + barWidth + 70;
        int height = 30 + rowHeight * targets.size() + 8;
        double max = targets.stream().map(metric.value()).filter(Objects::nonNull).mapToDouble(Double::doubleValue).max().orElse(1);
        if (max <= 0) {
            max = 1;
        }
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
                "<svg class=\"chart\" data-metric=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
                metric.key(), width, height, width, height));
        svg.append("<title>").append(esc(metric.label())).append("</title>");
        svg.append(String.format(Locale.ROOT, "<text x=\"6\" y=\"16\" font-size=\"12\" font-weight=\"bold\">%s (%s, %s)</text>",
                esc(metric.label()), esc(metric.unit()), metric.higherIsBetter() ? "higher is better" : "lower is better"));
        for (int i = 0; i < targets.size(); i++) {
            Figures.Target target = targets.get(i);
            Double value = metric.value().apply(target);
            int y = 28 + i * rowHeight;
            svg.append(String.format(Locale.ROOT, "<text x=\"6\" y=\"%d\" font-size=\"11\">%s</text>", y + 13, esc(target.name())));
            if (value == null || value.isNaN()) {
                svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#888\">not measured</text>",
                        labelWidth, y + 13));
                continue;
            }
            double length = Math.max(1, barWidth * Math.max(0, value) / max);
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"15\" fill=\"%s\"/>",
                    labelWidth, y + 2, length, COLOURS[i % COLOURS.length]));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%s</text>",
                    labelWidth + length + 4, y + 13, esc(metric.format(value))));
        }
        return svg.append("</svg>\n").toString();
    }

    /** Plots latency (log scale) against the percentile, spread as 1/(1 - p) so the tail gets room. */
    private static String latencyPlot(List<Figures.Target> targets) {
        int width = 760;
        int height = 360;
        int left = 60;
        int right = 170;
        int top = 20;
        int bottom = 40;
        double maxX = Math.log10(1 / (1 - 0.9999));
        double minY = Double.MAX_VALUE;
        double maxY = 0;
        for (Figures.Target target : targets) {
            if (target.latency() == null) {
                continue;
            }
            for (Figures.Point point : target.latency().distribution()) {
                if (point.millis() > 0 && !Double.isNaN(point.millis())) {
                    minY = Math.min(minY, point.millis());
                    maxY = Math.max(maxY, point.millis());
                }
            }
        }
        double lowY = Math.floor(Math.log10(minY == Double.MAX_VALUE ? 0.1 : minY));
        double highY = Math.ceil(Math.log10(maxY <= 0 ? 10 : maxY));
        if (highY <= lowY) {
            highY = lowY + 1;
        }
        double plotWidth = width - left - right;
        double plotHeight = height - top - bottom;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
                "<svg class=\"chart\" data-metric=\"latency-distribution\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
                width, height, width, height));
        svg.append("<title>Latency distribution</title>");
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#999\"/>",
                left, top, plotWidth, plotHeight));
        for (double decade = lowY; decade <= highY; decade++) {
            double y = top + plotHeight - plotHeight * (decade - lowY) / (highY - lowY);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", left, left + plotWidth, y, y));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s ms</text>",
                    left - 4, y + 4, trim(Math.pow(10, decade))));
        }
        for (double percentile : new double[] {0, 50, 90, 99, 99.9, 99.99}) {
            double x = left + plotWidth * xOf(percentile) / maxX;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.0f\" stroke=\"#eee\"/>", x, x, top, top + plotHeight));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"middle\">p%s</text>",
                    x, top + plotHeight + 15, trim(percentile)));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">percentile of requests</text>",
                left + plotWidth / 2, height - 6));
        int legend = 0;
        for (int i = 0; i < targets.size(); i++) {
            Figures.Target target = targets.get(i);
            if (target.latency() == null) {
                continue;
            }
            String colour = COLOURS[i % COLOURS.length];
            StringBuilder points = new StringBuilder();
            for (Figures.Point point : target.latency().distribution()) {
                if (point.millis() <= 0 || Double.isNaN(point.millis()) || point.percentile() >= 100) {
                    continue;
                }
                double x = left + plotWidth * xOf(point.percentile()) / maxX;
                double y = top + plotHeight - plotHeight * (Math.log10(point.millis()) - lowY) / (highY - lowY);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>",
                    colour, points.toString().trim()));
            int y = top + 10 + legend * 18;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>",
                    left + plotWidth + 10, left + plotWidth + 30, y, y, colour));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%d\" font-size=\"11\">%s</text>",
                    left + plotWidth + 35, y + 4, esc(target.name())));
            legend++;
        }
        return svg.append("</svg>\n").toString();
    }

    private static String ratioChart(List<Figures.Ratio> ratios) {
        int rowHeight = 24;
        int labelWidth = 260;
        int barWidth = 360;
        int width = labelWidth + barWidth + 60;
        int height = 30 + rowHeight * ratios.size() + 20;
        double max = Math.max(1.2, ratios.stream().flatMap(r -> java.util.stream.Stream.of(r.max(), r.median()))
                .filter(Double::isFinite).mapToDouble(Double::doubleValue).max().orElse(1));
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
                "<svg class=\"chart\" data-metric=\"ratios\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
                width, height, width, height));
        svg.append("<title>Adapter over raw throughput</title>");
        svg.append("<text x=\"6\" y=\"16\" font-size=\"12\" font-weight=\"bold\">Ferry throughput / raw throughput (1.0 = no overhead)</text>");
        double one = labelWidth + barWidth / max;
        svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"24\" y2=\"%d\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>",
                one, one, height - 14));
        for (int i = 0; i < ratios.size(); i++) {
            Figures.Ratio ratio = ratios.get(i);
            int y = 28 + i * rowHeight;
            svg.append(String.format(Locale.ROOT, "<text x=\"6\" y=\"%d\" font-size=\"11\">%s vs %s %s%s</text>", y + 13,
                    esc(ratio.ferry()), esc(ratio.raw()), ratio.protocolLabel().equals("h1") ? "" : esc(ratio.protocolLabel()) + " ",
                    esc(ratio.path())));
            double length = barWidth * Math.min(finite(ratio.median(), max), max) / max;
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"15\" fill=\"%s\"/>",
                    labelWidth, y + 2, Math.max(1, length), COLOURS[1 + i % (COLOURS.length - 1)]));
            double low = labelWidth + barWidth * Math.min(finite(ratio.min(), max), max) / max;
            double high = labelWidth + barWidth * Math.min(finite(ratio.max(), max), max) / max;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#000\"/>", low, high, y + 9, y + 9));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%.3f</text>",
                    Math.max(high, labelWidth + length) + 6, y + 13, ratio.median()));
        }
        return svg.append("</svg>\n").toString();
    }

    /** Replaces an infinite or undefined ratio (a round where the raw server served nothing) by the scale's end. */
    private static double finite(double value, double end) {
        return Double.isFinite(value) ? value : end;
    }

    private static double xOf(double percentile) {
        double share = Math.min(percentile, 99.99) / 100;
        return Math.log10(1 / (1 - share));
    }

    private static String trim(double value) {
        String text = String.format(Locale.ROOT, "%.4f", value);
        text = text.replaceAll("0+$", "");
        return text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
    }

    private static String num(Double value, int decimals) {
        if (value != null && value.isInfinite()) {
            return value > 0 ? "\u221e" : "-\u221e";
        }
        return value == null || value.isNaN() ? "-" : String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }

    private static String integer(Integer value) {
        return value == null || value < 0 ? "-" : Integer.toString(value);
    }

    static String esc(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

}
