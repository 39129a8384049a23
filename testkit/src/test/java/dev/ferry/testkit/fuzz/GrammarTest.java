package dev.ferry.testkit.fuzz;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The grammar is deterministic, reaches every mutation, and shrinks to a plain valid request. */
class GrammarTest {

    private final Grammar grammar = Grammar.create(Fuzzer.config());

    @Test
    void aSeedAlwaysGivesTheSameBytes() {
        for (long seed = -50; seed < 50; seed++) {
            assertEquals(grammar.generate(seed).request(), Grammar.create(Fuzzer.config()).generate(seed).request());
        }
        assertNotEquals(grammar.generate(1).request(), grammar.generate(2).request());
        // SplitMix64's published first output for seed 0: a printed seed replays on any JDK
        assertEquals(0xe220a8397b1dcdafL, new Dice(0).next());
        assertEquals(7, Dice.caseSeed(7, 0), "case 0 of a run is the run's seed, so one case seed replays alone");
    }

    @Test
    void everyMutationIsReachedAndRenders() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 50_000; i++) {
            seen.addAll(grammar.generate(Dice.caseSeed(7, i)).steps());
        }
        Set<String> missing = new HashSet<>(grammar.mutations());
        missing.removeAll(seen);
        assertEquals(Set.of(), missing, "mutations never applied in 50,000 cases");
        assertTrue(grammar.mutations().size() >= 100, grammar.mutations().toString());
    }

    @Test
    void anyStepCanBeLeftOut() {
        // what minimisation does: every mutation sets up what it needs, so none fails without the steps before it
        for (int i = 0; i < 3000; i++) {
            FuzzCase c = grammar.generate(Dice.caseSeed(99, i));
            for (int step = 0; step < c.all().size(); step++) {
                FuzzCase without = Grammar.without(c, step);
                List<String> expected = new ArrayList<>(c.steps());
                expected.remove(step);
                assertEquals(expected, without.steps(), c.toString());
            }
        }
    }

    @Test
    void leavingOutEveryStepGivesThePlainRequest() {
        FuzzCase c = grammar.generate(12345);
        assertTrue(c.steps().size() > 1, c.toString());
        for (int step = 0; step < c.all().size(); step++) {
            c = Grammar.without(c, step);
        }
        assertEquals("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", c.request());
        assertEquals("no mutation", c.kind());
        assertEquals(List.of(), c.steps());
    }
}
