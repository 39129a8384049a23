package dev.ferry.spi;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EmptyDataLimitTest {

    private static final int DATA = 0, HEADERS = 1, PING = 6, END_STREAM = 1;

    @Test
    void theEmptyFrameAfterTheLimitPassesItOnce() {
        EmptyDataLimit limit = new EmptyDataLimit();
        for (int i = 0; i < EmptyDataLimit.MAX_EMPTY_FRAMES; i++) {
            assertFalse(limit.frame(DATA, 0, 0), "empty frame " + (i + 1));
            assertFalse(limit.frame(PING, 0, 8), "other frames do not count");
        }
        assertTrue(limit.frame(DATA, 0, 0));
        assertFalse(limit.frame(DATA, 0, 0), "once");
    }

    @Test
    void bytesEndStreamAndHeadersStartTheCountAgain() {
        EmptyDataLimit limit = new EmptyDataLimit();
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < EmptyDataLimit.MAX_EMPTY_FRAMES; i++) {
                assertFalse(limit.frame(DATA, 0, 0));
            }
            int[][] resets = {{DATA, 0, 1}, {DATA, END_STREAM, 0}, {HEADERS, 0, 20}};
            int[] reset = resets[round % resets.length];
            assertFalse(limit.frame(reset[0], reset[1], reset[2]));
        }
    }
}
