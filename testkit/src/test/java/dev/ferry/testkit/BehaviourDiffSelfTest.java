package dev.ferry.testkit;

import dev.ferry.testkit.reference.ReferenceProvider;
import dev.ferry.testkit.reference.ReferenceServer.Flaw;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checks the diff tool itself: a server agrees with itself, and a flawed copy differs on exactly the cases its flaw touches. */
class BehaviourDiffSelfTest {

    @Test
    void identicalServersAgreeAndAFlawedOneIsReported() throws Exception {
        BehaviourDiff.Outcome reference = BehaviourDiff.run(new ReferenceProvider());
        BehaviourDiff.Outcome flawed = BehaviourDiff.run(new ReferenceProvider(Flaw.DROPS_REPEATED_HEADERS));
        assertEquals(BehaviourDiff.corpus().size(), reference.answers().size());
        assertEquals(List.of(), BehaviourDiff.compare(List.of(reference, reference)).productionDifferences());
        BehaviourDiff.Report report = BehaviourDiff.compare(List.of(reference, flawed));
        assertEquals(List.of("headers", "cookies"), report.productionDifferences(),
                "the flaw shows on exactly the cases with repeated response headers, and the rest is stable: " + report.text());
        assertTrue(reference.answers().get("content-length and chunked").startsWith("400 "), reference.answers().toString());
        assertTrue(reference.answers().get("content-length and chunked").endsWith("then closed"));
        Path file = Path.of("target", "behaviour-diff-self.md");
        Files.createDirectories(file.getParent());
        Files.writeString(file, report.text());
    }
}
