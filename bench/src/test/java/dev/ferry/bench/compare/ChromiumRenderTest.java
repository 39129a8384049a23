package dev.ferry.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Renders the report of a fixed set of figures in headless Chromium: every chart must be in the DOM
 * Chromium built, the console must stay silent, and a screenshot is kept in
 * {@code target/compare-report-test/}. Installs Debian's chromium when running as root and it is
 * missing; skipped, saying why, only when it cannot be had.
 */
class ChromiumRenderTest {

    private static final Path OUT = Path.of("target", "compare-report-test").toAbsolutePath();
    private static String chromium;

    @BeforeAll
    static void findChromium() {
        chromium = locate();
        if (chromium == null && Tools.isRoot()) {
            Tools.Result install = Tools.run(List.of("apt-get", "install", "-y", "-q", "chromium"), 600);
            if (install.exitCode() != 0) {
                Tools.run(List.of("apt-get", "update", "-q"), 300);
                Tools.run(List.of("apt-get", "install", "-y", "-q", "chromium"), 600);
            }
            chromium = locate();
        }
    }

    private static String locate() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            if (Tools.present(name)) {
                return name;
            }
        }
        return null;
    }

    private record Rendered(String dom, String log, Path screenshot) {
    }

    private static Rendered render(String name, String html) throws IOException, InterruptedException {
        Files.createDirectories(OUT);
        Path page = OUT.resolve(name + ".html");
        Files.writeString(page, html, StandardCharsets.UTF_8);
        Path screenshot = OUT.resolve(name + ".png");
        Files.deleteIfExists(screenshot);
        List<String> flags = List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--enable-logging=stderr", "--v=0");
        String dom = chromium(flags, List.of("--window-size=1200,3600", "--dump-dom", page.toUri().toString()), name + "-dom");
        String log = lastLog;
        chromium(flags, List.of("--window-size=1200,3600", "--screenshot=" + screenshot, page.toUri().toString()),
                name + "-shot");
        return new Rendered(dom, log, screenshot);
    }

    private static String lastLog;

    private static String chromium(List<String> flags, List<String> args, String name) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("ferry-chromium-");
        List<String> command = new ArrayList<>(List.of(chromium));
        command.addAll(flags);
        command.add("--user-data-dir=" + profile);
        command.addAll(args);
        Path stdout = OUT.resolve(name + ".out");
        Path stderr = OUT.resolve(name + ".log");
        Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        try {
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("chromium did not finish within 90 s: " + Files.readString(stderr));
            }
        } finally {
            Tools.run(List.of("rm", "-rf", profile.toString()), 30);
        }
        lastLog = Files.readString(stderr, StandardCharsets.ISO_8859_1);
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    private static List<String> consoleLines(String log) {
        return log.lines().filter(line -> line.contains(":CONSOLE") || line.contains("Uncaught")).toList();
    }

    @Test
    void everyChartRendersWithoutConsoleErrors() throws Exception {
        assumeTrue(chromium != null, "chromium is not installed and could not be installed (apt-get install -y chromium "
                + "as root); the HTML report's rendering is not checked");
        Figures.Run run = Samples.run();
        // the page measures itself once laid out: whether the figures table is wider than its box
        String measured = HtmlReport.render(run).replace("</body>", "<script>var t=document.getElementById('figures');"
                + "document.body.setAttribute('data-figures-fit', String(t.scrollWidth <= t.parentElement.clientWidth"
                + " && t.getBoundingClientRect().right <= document.documentElement.clientWidth));</script></body>");
        Rendered rendered = render("report", measured);
        assertEquals(HtmlReport.chartCount(run), HtmlReportTest.count(rendered.dom(), "<svg "),
                "charts in the DOM Chromium built: " + rendered.dom());
        for (Metric metric : Metric.ALL) {
            assertTrue(rendered.dom().contains("data-metric=\"" + metric.key() + "\""), metric.key());
        }
        assertTrue(rendered.dom().contains("data-metric=\"latency-distribution\""));
        assertTrue(rendered.dom().contains("data-figures-fit=\"true\""), "the figures table fits the page width: "
                + rendered.dom().replaceAll("(?s).*(data-figures-fit=\"[^\"]*\").*", "$1"));
        assertEquals(List.of(), consoleLines(rendered.log()), "console messages while rendering the report");
        assertTrue(Files.size(rendered.screenshot()) > 10_000, "screenshot " + rendered.screenshot());
    }

    @Test
    void consoleErrorsWouldBeSeen() throws Exception {
        assumeTrue(chromium != null, "chromium is not installed and could not be installed");
        Rendered rendered = render("console-check",
                "<!DOCTYPE html><html><body><p>x</p><script>console.error('deliberate failure')</script></body></html>");
        assertTrue(consoleLines(rendered.log()).stream().anyMatch(line -> line.contains("deliberate failure")),
                "the console capture must catch a page's console.error: " + rendered.log());
    }
}
