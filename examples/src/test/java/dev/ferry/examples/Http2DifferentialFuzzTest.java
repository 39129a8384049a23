package dev.ferry.examples;

import dev.ferry.server.Ferry;
import dev.ferry.spi.ServerProvider;
import dev.ferry.testkit.Http2Fuzzer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the HTTP/2 differential fuzzer against the production servers (the dev server speaks HTTP/1.1 only), writes
 * {@code target/h2-fuzz-report.md}, and fails when they treat a generated request differently, unless a listed gap
 * explains it.
 *
 * <pre>
 * ./mvnw -pl examples test -Dtest=Http2DifferentialFuzzTest                                  # 600 cases, new seed
 * ./mvnw -pl examples test -Dtest=Http2DifferentialFuzzTest -Dferry.fuzz.h2.cases=20000      # more
 * ./mvnw -pl examples test -Dtest=Http2DifferentialFuzzTest -Dferry.fuzz.h2.seed=S -Dferry.fuzz.h2.cases=1
 * </pre>
 */
class Http2DifferentialFuzzTest {

    /** The differences the conformance suite lists as known gaps, as the fuzzer meets them. */
    private static final List<Http2Fuzzer.Gap> GAPS = List.of(
            new Http2Fuzzer.Gap("netty", "length.repeat", "Netty's decoder folds Content-Length fields of one value"),
            new Http2Fuzzer.Gap("tomcat", "frame.priority-self", "Tomcat drops the priority fields of a HEADERS frame"));

    @Test
    void productionServersTreatGeneratedHttp2RequestsAlike() throws Exception {
        List<ServerProvider> providers = Ferry.installed().stream().filter(ServerProvider::production)
                .sorted(Comparator.comparing(ServerProvider::name)).toList();
        assertEquals(List.of("netty", "tomcat", "undertow"), providers.stream().map(ServerProvider::name).toList());
        int cases = Integer.getInteger("ferry.fuzz.h2.cases", 600);
        long seed = Long.getLong("ferry.fuzz.h2.seed", System.nanoTime());
        Logger root = Logger.getLogger("");
        Level level = root.getLevel();
        root.setLevel(Level.OFF); // malformed cases make servers log; thousands of lines would cost more than the cases
        Http2Fuzzer.Report report;
        try {
            report = Http2Fuzzer.run(providers, GAPS, cases, seed);
        } finally {
            root.setLevel(level);
        }
        Path file = Path.of("target", "h2-fuzz-report.md");
        Files.createDirectories(file.getParent());
        Files.writeString(file, report.text());
        System.out.println("HTTP/2 differential fuzz: " + report.text().lines().findFirst().orElse("")
                + " (replay with -Dferry.fuzz.h2.seed=" + seed + ")");
        assertTrue(report.unexplained().isEmpty(), report.text());
    }
}
