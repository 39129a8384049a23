package dev.ferry.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class VerdictsTest {

    private final Figures.Run run = Samples.run();

    private String verdict(String name) {
        return Verdicts.of(run.targets().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow(), run.targets());
    }

    @Test
    void devServerThatStalledUnderSlowloris() {
        String dev = verdict("dev");
        assertTrue(dev.startsWith("fine for one developer; not for untrusted clients: "), dev);
        assertTrue(dev.contains("stalled under 200 slow connections (slowloris): 31 of 40 ordinary requests failed"), dev);
        assertTrue(dev.contains("kept serving under 200 slow request bodies"), dev);
        assertTrue(dev.contains("failed 12 of 50 hardening checks"), dev);
        assertTrue(dev.contains("26% of the best throughput (9,800 req/s)"), dev);
        assertTrue(dev.contains("p99 latency 2.6 times the best (2.90 ms)"), dev);
    }

    @Test
    void productionServerThatHeldUp() {
        String netty = verdict("netty-io");
        assertEquals("held up under everything measured here: kept serving under 200 slow connections (slowloris); "
                + "kept serving under 200 slow request bodies (1 of 45 probes failed); passed all 50 hardening checks; "
                + "the highest throughput here or within 10% of it (38,200 req/s).", netty);
        String undertow = verdict("undertow");
        assertTrue(undertow.startsWith("held up under everything measured here: kept serving under 200 slow connections"), undertow);
        assertTrue(undertow.contains("82% of the best throughput"), undertow);
    }

    @Test
    void slowButServingProbesMeanSlowedNotStalled() {
        String tomcat = verdict("tomcat");
        assertTrue(tomcat.startsWith("serves production traffic, but slows down under slow clients"), tomcat);
        assertTrue(tomcat.contains("slowed down under 200 slow connections (slowloris) (ordinary requests took 95.0 ms"), tomcat);
    }

    @Test
    void theVerdictFollowsTheFiguresNotTheServerName() {
        Figures.Target dev = run.targets().get(0);
        Figures.Target calmDev = new Figures.Target(dev.name(), dev.server(), dev.execution(), dev.production(),
                dev.startupMillis(), dev.idleRssMiB(), dev.idleThreads(), dev.load(), dev.latency(),
                Samples.attack("slowloris", 44, 0, 1.0, 3.0), dev.slowBody(), new Figures.Hardening(50, 0, 0, List.of(), 20),
                dev.footprint(), 0, dev.notes());
        String verdict = Verdicts.of(calmDev, List.of(calmDev, run.targets().get(1)));
        assertFalse(verdict.contains("stalled"), verdict);
        assertTrue(verdict.startsWith("held up under everything measured here"), verdict);
    }

    @Test
    void withoutAttackFiguresThereIsNoJudgementOnHostileClients() {
        Figures.Target dev = run.targets().get(0);
        Figures.Target bare = new Figures.Target("dev", "dev", "virtual", false, 400.0, 40.0, 20, dev.load(), null, null, null,
                null, null, 0, List.of());
        assertEquals("no attack or hardening figures, so no judgement on hostile clients: the highest throughput here or "
                + "within 10% of it (9,800 req/s).", Verdicts.of(bare, List.of(bare)));
    }
}
