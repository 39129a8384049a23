package dev.ferry.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BaselineDiffTest {

    private static Figures.Run withTargets(Figures.Run run, List<Figures.Target> targets) {
        return new Figures.Run("2026-11-22T10:00:00Z", run.environment(), run.settings(), targets, run.ratios(), run.totalSeconds(),
                run.notes());
    }

    @Test
    void sameRunHasNoChanges() {
        Figures.Run run = Samples.run();
        assertEquals(List.of(), BaselineDiff.changes(run, run, 0.1));
        assertTrue(BaselineDiff.render(run, run, 0.1).contains("nothing moved beyond the threshold"));
    }

    @Test
    void changesBeyondTheThresholdAreBetterOrWorseByDirection() {
        Figures.Run before = Samples.run();
        List<Figures.Target> targets = new ArrayList<>(before.targets());
        Figures.Target t = targets.get(1);
        targets.set(1, Samples.target(t.name(), t.server(), t.execution(), t.production(), 1500, t.idleRssMiB() * 1.05,
                t.idleThreads(), 40_000, 0.35, 1.4, 4.1, t.slowloris(), t.slowBody(), t.hardening(), t.footprint().bytes()));
        targets.remove(3);
        Figures.Run after = withTargets(before, targets);
        List<BaselineDiff.Change> changes = BaselineDiff.changes(before, after, 0.1);
        assertEquals(2, changes.size(), changes.toString());
        BaselineDiff.Change startup = changes.stream().filter(c -> c.metric().key().equals("startup")).findFirst().orElseThrow();
        assertFalse(startup.better());
        assertEquals(610, startup.before());
        assertEquals(1500, startup.after());
        BaselineDiff.Change throughput = changes.stream().filter(c -> c.metric().key().equals("throughput")).findFirst().orElseThrow();
        assertTrue(throughput.better());
        String text = BaselineDiff.render(before, after, 0.1);
        assertTrue(text.contains("BETTER  undertow     Throughput at fixed concurrency"), text);
        assertTrue(text.contains("WORSE   undertow     Start-up to first response"), text);
        assertTrue(text.contains("(+146%)"), text);
        assertTrue(text.contains("target tomcat was in the baseline but not measured now"), text);
        assertEquals(1, BaselineDiff.changes(before, after, 0.5).size(), "a higher threshold hides the smaller change");
    }

    @Test
    void errorsAppearingFromZeroAreWorse() {
        Figures.Run before = Samples.run();
        Figures.Target t = before.targets().get(2);
        Figures.Load load = t.load();
        Figures.Target failing = new Figures.Target(t.name(), t.server(), t.execution(), t.production(), t.startupMillis(),
                t.idleRssMiB(), t.idleThreads(), new Figures.Load(load.connections(), load.seconds(), load.requestsPerSecond(),
                load.requests(), 5, "Socket errors: connect 0, read 5, write 0, timeout 0", load.peakRssMiB(), load.peakThreads()),
                t.latency(), t.slowloris(), t.slowBody(), t.hardening(), t.footprint(), 0, t.notes());
        List<Figures.Target> targets = new ArrayList<>(before.targets());
        targets.set(2, failing);
        List<BaselineDiff.Change> changes = BaselineDiff.changes(before, withTargets(before, targets), 0.1);
        assertEquals(1, changes.size(), changes.toString());
        assertEquals("loadErrors", changes.get(0).metric().key());
        assertFalse(changes.get(0).better());
    }
}
