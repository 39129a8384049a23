package dev.ferry.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class AutobahnRunTest {

    /** The shape of the suite's reports/index.json: agent, then case, then its outcome. */
    private static final String INDEX = """
            {"undertow": {
               "1.1.1": {"behavior": "OK", "behaviorClose": "OK", "duration": 2, "remoteCloseCode": 1000},
               "3.4":   {"behavior": "NON-STRICT", "behaviorClose": "OK", "duration": 3, "remoteCloseCode": 1002},
               "10.1.1": {"behavior": "OK", "behaviorClose": "OK", "duration": 5, "remoteCloseCode": 1000},
               "12.1.1": {"behavior": "UNIMPLEMENTED", "behaviorClose": "UNIMPLEMENTED", "duration": 1, "remoteCloseCode": null},
               "2.10": {"behavior": "OK", "behaviorClose": "OK", "duration": 1, "remoteCloseCode": 1000},
               "2.9": {"behavior": "OK", "behaviorClose": "OK", "duration": 1, "remoteCloseCode": 1000}},
             "netty": {
               "1.1.1": {"behavior": "OK", "behaviorClose": "WRONG CODE", "duration": 2, "remoteCloseCode": 1002},
               "3.4":   {"behavior": "OK", "behaviorClose": "OK", "duration": 3, "remoteCloseCode": 1002},
               "10.1.1": {"behavior": "FAILED", "behaviorClose": "UNCLEAN", "duration": 5, "remoteCloseCode": null},
               "12.1.1": {"behavior": "UNIMPLEMENTED", "behaviorClose": "UNIMPLEMENTED", "duration": 1, "remoteCloseCode": null},
               "2.9": {"behavior": "INFORMATIONAL", "behaviorClose": "INFORMATIONAL", "duration": 1, "remoteCloseCode": 1000}}}
            """;

    private final AutobahnRun.Summary summary = summary(List.of("undertow", "netty"));

    private static AutobahnRun.Summary summary(List<String> servers) {
        try {
            return AutobahnRun.Summary.of(new ObjectMapper().readTree(INDEX), servers);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void casesAreInTheSuitesNumericOrder() {
        assertEquals(List.of("1.1.1", "2.9", "2.10", "3.4", "10.1.1", "12.1.1"), List.copyOf(summary.outcomes().keySet()));
    }

    @Test
    void aWrongCloseFailsACaseWhoseMessagesWereRight() {
        assertEquals("WRONG CODE", summary.outcomes().get("1.1.1").get("netty"));
        assertEquals("FAILED", summary.outcomes().get("10.1.1").get("netty"));
        assertEquals("NON-STRICT", summary.outcomes().get("3.4").get("undertow"));
    }

    @Test
    void theTableCountsEachOutcomeAndNamesTheCasesThatAreNotOk() {
        String md = summary.markdown("*", 12);
        assertTrue(md.contains("| outcome | undertow | netty |"), md);
        assertTrue(md.contains("| FAILED | 0 | 1 |"), md);
        assertTrue(md.contains("| WRONG CODE | 0 | 1 |"), md);
        assertTrue(md.contains("| OK | 4 | 1 |"), md);
        assertTrue(md.contains("| UNIMPLEMENTED | 1 | 1 |"), md);
        assertTrue(md.contains("| none | 0 | 1 |"), md); // 2.10 did not run on netty
        assertTrue(md.contains("| 3.4 | NON-STRICT | OK |"), md);
        assertTrue(md.contains("| 2.10 | OK | none |"), md);
        assertFalse(md.contains("| 12.1.1 |"), md);
        assertTrue(md.contains("Some cases failed"), md);
    }

    @Test
    void aRunPassesOnlyWhenEveryCaseRanAndNoneFailed() {
        assertFalse(summary.passed());
        assertTrue(summary(List.of("undertow")).passed());
    }
}
