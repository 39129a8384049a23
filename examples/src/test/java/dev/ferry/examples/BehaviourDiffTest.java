package dev.ferry.examples;

import dev.ferry.server.Ferry;
import dev.ferry.spi.ServerProvider;
import dev.ferry.testkit.BehaviourDiff;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Replays the behaviour-diff corpus against every server on this module's class path, each started
 * explicitly through its provider, writes {@code target/behaviour-diff.md}, and fails when two
 * production servers answer a case differently, unless that case is listed below with the reason.
 * A listed case on which they agree fails too, so the list shrinks as the adapters converge. The dev
 * server's differences are reported, not failed.
 */
class BehaviourDiffTest {

    /** Cases on which the production servers were seen to differ, with what differs. */
    private static final Map<String, String> KNOWN = new TreeMap<>(Map.of());

    @Test
    void productionServersAnswerTheSame() throws Exception {
        List<ServerProvider> providers = new ArrayList<>(Ferry.installed());
        providers.sort(Comparator.comparing(ServerProvider::name));
        Assumptions.assumeFalse(providers.isEmpty(), "no server module on the class path yet");
        List<BehaviourDiff.Outcome> outcomes = new ArrayList<>();
        for (ServerProvider provider : providers) {
            outcomes.add(BehaviourDiff.run(provider));
        }
        BehaviourDiff.Report report = BehaviourDiff.compare(outcomes);
        Path file = Path.of("target", "behaviour-diff.md");
        Files.createDirectories(file.getParent());
        Files.writeString(file, report.text());
        System.out.println("Behaviour diff of " + providers.stream().map(ServerProvider::name).toList() + " written to "
                + file.toAbsolutePath() + "; production servers differ on " + report.productionDifferences()
                + "; the dev server differs on " + report.devDifferences());
        long production = providers.stream().filter(ServerProvider::production).count();
        List<String> unexpected = new ArrayList<>(report.productionDifferences());
        unexpected.removeAll(KNOWN.keySet());
        assertEquals(List.of(), unexpected, "production servers answer differently; see " + file.toAbsolutePath());
        if (production >= 3) {
            List<String> converged = new ArrayList<>(KNOWN.keySet());
            converged.removeAll(report.productionDifferences());
            assertEquals(List.of(), converged, "listed differences that are gone: remove them from KNOWN");
        }
    }
}
