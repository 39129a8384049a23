package dev.ferry.testkit.fuzz;

import dev.ferry.testkit.reference.ReferenceProvider;
import dev.ferry.testkit.reference.ReferenceServer.Flaw;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the fuzzer against the testkit's reference server: copies of one server agree on every case,
 * and a copy that keeps connections open after a 400 is caught, which shows the fuzzer can fail.
 */
class FuzzerSelfTest {

    private static final Fuzzer.Subject A = new Fuzzer.Subject("reference-a", true, new ReferenceProvider());
    private static final Fuzzer.Subject B = new Fuzzer.Subject("reference-b", true, new ReferenceProvider());
    private static final Fuzzer.Subject FLAWED = new Fuzzer.Subject("flawed", true, new ReferenceProvider(Flaw.KEEPS_OPEN_AFTER_400));

    private static Fuzzer.Options options(int cases) {
        return Fuzzer.Options.defaults().cases(cases).seed(20261201).timeLimit(Duration.ZERO);
    }

    @Test
    void copiesOfOneServerAgree() throws Exception {
        FuzzReport report = Fuzzer.run(List.of(A, B), List.of(), options(600));
        write("fuzz-self-agree.md", report);
        assertEquals(600, report.cases());
        assertFalse(report.failed(), report.summary());
        assertEquals(List.of(), report.dev());
    }

    @Test
    void aServerThatKeepsConnectionsOpenAfter400IsCaught() throws Exception {
        FuzzReport report = Fuzzer.run(List.of(A, B, FLAWED), List.of(), options(400));
        write("fuzz-self-flawed.md", report);
        assertTrue(report.failed(), "the flaw went unnoticed: " + report.text());
        for (FuzzReport.Difference difference : report.production()) {
            assertEquals(List.of(List.of("flawed"), List.of("reference-a", "reference-b")), difference.groups(), difference.toString());
            assertTrue(difference.reproduced(), difference.toString());
            // the flawed copy reads on behind its 400 and answers more (the probe, or what the others never read as a request)
            String flawed = difference.answers().get("flawed");
            assertTrue(flawed.contains("400 from the server; ") && flawed.length() > difference.answers().get("reference-a").length(),
                    difference.toString());
        }
        // minimised: a typical smallest request carries one mutation on the plain request
        assertTrue(report.production().stream().anyMatch(d -> !d.kind().contains(" + ") && d.request().length() < 80), report.text());
        assertTrue(report.text().contains("-Dferry.fuzz.seed=" + report.production().get(0).seed()), "each difference names its seed");
    }

    @Test
    void aKnownGapExplainsItsDifferenceAndFailsOnceItIsGone() throws Exception {
        String witness = "GET / HTTP/1.1\r\nHost: localhost\r\nX: a\r\n b\r\n\r\n";
        KnownGap obsFold = new KnownGap("flawed", "ws.obs-fold", "keeps the connection open after a 400", witness);
        FuzzReport report = Fuzzer.run(List.of(A, B, FLAWED), List.of(obsFold), options(300));
        assertEquals(List.of(), report.stale(), report.text());
        assertFalse(report.covered().isEmpty(), "an obs-fold case is explained by the gap: " + report.text());
        report.covered().forEach(d -> assertTrue(d.kind().contains("ws.obs-fold"), d.toString()));
        assertTrue(report.production().stream().noneMatch(obsFold::covers));

        KnownGap gone = new KnownGap("reference-b", "ws.obs-fold", "fixed long ago", witness);
        FuzzReport fixed = Fuzzer.run(List.of(A, B), List.of(gone), options(20));
        assertTrue(fixed.failed(), "a gap that no longer differs fails the run");
        assertEquals(1, fixed.stale().size(), fixed.text());
        assertTrue(fixed.stale().get(0).contains("no longer sets reference-b apart"), fixed.stale().toString());
        KnownGap nobody = new KnownGap("jetty", "ws.obs-fold", "not in this run", witness);
        assertTrue(Fuzzer.run(List.of(A, B), List.of(nobody), options(1)).stale().get(0).contains("names no production server"));
    }

    @Test
    void theDevServersDifferencesAreReportedNotFailed() {
        Fuzzer.Subject dev = new Fuzzer.Subject("dev", false, new ReferenceProvider(Flaw.KEEPS_OPEN_AFTER_400));
        FuzzReport report = Fuzzer.run(List.of(A, B, dev), List.of(), options(200));
        assertFalse(report.failed(), report.summary());
        assertFalse(report.dev().isEmpty(), report.text());
        report.dev().forEach(d -> assertEquals(List.of(List.of("dev"), List.of("reference-a", "reference-b")), d.groups()));
    }

    private static void write(String name, FuzzReport report) throws Exception {
        Path file = Path.of("target", name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, report.text());
    }
}
