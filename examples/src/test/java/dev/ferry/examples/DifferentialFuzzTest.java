package dev.ferry.examples;

import dev.ferry.server.Ferry;
import dev.ferry.spi.ServerProvider;
import dev.ferry.testkit.fuzz.FuzzReport;
import dev.ferry.testkit.fuzz.Fuzzer;
import dev.ferry.testkit.fuzz.KnownGap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the differential fuzzer against every server on this module's class path, all four started
 * once for the whole run, writes {@code target/fuzz-report.md}, and fails when two production servers
 * answer a generated request differently, unless {@link #KNOWN_GAPS} explains it. The dev server's
 * differences are reported, not failed.
 *
 * <pre>
 * ./mvnw -pl examples test -Dtest=DifferentialFuzzTest                                   # 2,000 cases, new seed
 * ./mvnw -pl examples test -Dtest=DifferentialFuzzTest -Dferry.fuzz.cases=100000         # more, no time limit
 * ./mvnw -pl examples test -Dtest=DifferentialFuzzTest -Dferry.fuzz.seed=S -Dferry.fuzz.cases=1   # one case again
 * </pre>
 */
class DifferentialFuzzTest {

    /**
     * Differences between production servers that are known, each with its reason and a witness request
     * that shows it; a gap whose witness no longer differs fails the run. Empty: every difference between
     * production servers is a defect to fix in an adapter or in core.
     */
    private static final List<KnownGap> KNOWN_GAPS = List.of();

    /** The fewest cases a default run must complete on all four servers. */
    private static final int MINIMUM_CASES = 2000;

    @Test
    void productionServersAnswerGeneratedRequestsAlike() throws Exception {
        List<ServerProvider> providers = Ferry.installed().stream().sorted(Comparator.comparing(ServerProvider::name)).toList();
        assertEquals(List.of("dev", "netty", "tomcat", "undertow"), providers.stream().map(ServerProvider::name).toList(),
                "the examples module has every server on its test class path");
        Fuzzer.Options options = Fuzzer.Options.fromSystemProperties();
        System.out.println("Differential fuzz: " + options.cases() + " cases from seed " + options.seed()
                + " (replay with -Dferry.fuzz.seed=" + options.seed() + ")");
        FuzzReport report;
        Logger root = Logger.getLogger("");
        Level level = root.getLevel();
        // each malformed case makes the servers log a failed handler; thousands of stack traces would cost more than the cases
        root.setLevel(Level.OFF);
        try {
            report = Fuzzer.run(providers.stream().map(Fuzzer.Subject::of).toList(), KNOWN_GAPS, options);
        } finally {
            root.setLevel(level);
        }
        Path file = Path.of("target", "fuzz-report.md");
        Files.createDirectories(file.getParent());
        Files.writeString(file, report.text());
        System.out.printf("Differential fuzz: %d of %d cases on %s in %.1f s from seed %d; production servers differ in %d kinds,"
                        + " known gaps %d, stale gaps %d, the dev server differs in %d kinds; report: %s%n", report.cases(),
                report.requested(), providers.stream().map(ServerProvider::name).toList(), report.elapsed().toMillis() / 1000.0,
                report.seed(), report.production().size(), report.covered().size(), report.stale().size(), report.dev().size(),
                file.toAbsolutePath());
        assertFalse(report.failed(), "production servers answer differently (seed " + report.seed() + "); see "
                + file.toAbsolutePath() + report.summary());
        assertTrue(report.cases() >= Math.min(MINIMUM_CASES, report.requested()), "only " + report.cases() + " of "
                + report.requested() + " cases ran within the time limit");
    }
}
