package dev.ferry.spi;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ContinuationLimitTest {

    private static final int HEADERS = 1, CONTINUATION = 9, DATA = 0, END_HEADERS = 4;

    @Test
    void theContinuationAfterSixteenSmallFragmentsPassesTheLimitOnce() {
        ContinuationLimit limit = new ContinuationLimit();
        assertFalse(limit.frame(HEADERS, 0, 100));
        for (int i = 0; i < ContinuationLimit.MAX_SMALL_FRAGMENTS - 1; i++) {
            assertFalse(limit.frame(CONTINUATION, 0, 0), "small fragment " + (i + 2));
        }
        assertTrue(limit.frame(CONTINUATION, 0, 0));
        assertFalse(limit.frame(CONTINUATION, 0, 0), "once");
    }

    @Test
    void largeFragmentsAndEndedBlocksDoNotCount() {
        ContinuationLimit limit = new ContinuationLimit();
        limit.frame(HEADERS, 0, ContinuationLimit.SMALL_BYTES);
        for (int i = 0; i < 40; i++) {
            assertFalse(limit.frame(CONTINUATION, 0, ContinuationLimit.SMALL_BYTES));
        }
        assertFalse(limit.frame(CONTINUATION, END_HEADERS, 0));
        for (int block = 0; block < 40; block++) { // each block small, but each ends after one fragment
            assertFalse(limit.frame(HEADERS, 0, 10));
            assertFalse(limit.frame(DATA, 0, 0));
            assertFalse(limit.frame(CONTINUATION, END_HEADERS, 10));
        }
    }

    @Test
    void aNewBlockStartsTheCountAgain() {
        ContinuationLimit limit = new ContinuationLimit();
        limit.frame(HEADERS, 0, 1);
        for (int i = 0; i < ContinuationLimit.MAX_SMALL_FRAGMENTS - 2; i++) {
            limit.frame(CONTINUATION, 0, 1);
        }
        limit.frame(CONTINUATION, END_HEADERS, 1);
        limit.frame(HEADERS, 0, 1);
        assertFalse(limit.frame(CONTINUATION, 0, 1));
    }
}
