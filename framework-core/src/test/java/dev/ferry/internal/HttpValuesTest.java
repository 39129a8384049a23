package dev.ferry.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpValuesTest {

    private static final long SUNDAY = 784111777L; // Sun, 06 Nov 1994 08:49:37 GMT

    @Test
    void datesInAllThreeForms() {
        assertEquals(SUNDAY, HttpValues.parseDate("Sun, 06 Nov 1994 08:49:37 GMT"));
        assertEquals(SUNDAY, HttpValues.parseDate("Sunday, 06-Nov-94 08:49:37 GMT"));
        assertEquals(SUNDAY, HttpValues.parseDate("Sun Nov  6 08:49:37 1994"));
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", HttpValues.formatDate(SUNDAY));
    }

    @Test
    void invalidDatesAreIgnored() {
        for (String bad : new String[] {"", "yesterday", "Sun, 06 Nov 1994 08:49:37", "Sun, 32 Nov 1994 08:49:37 GMT",
                "Sun, 06 Nov 1994 25:49:37 GMT", "1994-11-06T08:49:37Z", "x".repeat(100)}) {
            assertEquals(Long.MIN_VALUE, HttpValues.parseDate(bad), bad);
        }
        assertEquals(Long.MIN_VALUE, HttpValues.parseDate(null));
    }

    @Test
    void entityTagListsCompareWeaklyOrStrongly() {
        String tag = "\"a-1\"";
        assertTrue(HttpValues.matches("\"a-1\"", tag, true));
        assertTrue(HttpValues.matches("*", tag, true));
        assertTrue(HttpValues.matches(" * ", tag, false));
        assertTrue(HttpValues.matches("\"x\", \"a-1\"", tag, true));
        assertTrue(HttpValues.matches("\"x\",W/\"a-1\"", tag, true), "weak comparison ignores W/");
        assertFalse(HttpValues.matches("W/\"a-1\"", tag, false), "strong comparison refuses a weak tag");
        assertFalse(HttpValues.matches("\"a-1\"", "W/\"a-1\"", false));
        assertTrue(HttpValues.matches("\"a-1\"", "W/\"a-1\"", true));
        assertFalse(HttpValues.matches("\"a-2\", \"b\"", tag, true));
        assertFalse(HttpValues.matches("a-1", tag, true), "an unquoted tag is not an entity-tag");
        assertTrue(HttpValues.matches("junk, \"a-1\"", tag, true), "a malformed member does not hide the next");
        assertFalse(HttpValues.matches("\"a-1", tag, true), "an unterminated tag matches nothing");
        assertFalse(HttpValues.matches("\"a,1\"", "\"a\"", true));
        assertTrue(HttpValues.matches("\"a,1\"", "\"a,1\"", true), "a comma inside a tag is part of it");
    }

    @Test
    void singleRanges() {
        assertEquals(new HttpValues.Satisfiable(0, 10), HttpValues.range("bytes=0-9", 100));
        assertEquals(new HttpValues.Satisfiable(90, 10), HttpValues.range("bytes=90-", 100));
        assertEquals(new HttpValues.Satisfiable(90, 10), HttpValues.range("bytes=-10", 100));
        assertEquals(new HttpValues.Satisfiable(0, 100), HttpValues.range("bytes=-1000", 100));
        assertEquals(new HttpValues.Satisfiable(50, 50), HttpValues.range("bytes=50-1000", 100));
        assertEquals(new HttpValues.Satisfiable(99, 1), HttpValues.range("Bytes = 99-99 ", 100));
        assertEquals(new HttpValues.Satisfiable(5, 95), HttpValues.range("bytes=5-99999999999999999999999", 100));
        assertEquals(99, new HttpValues.Satisfiable(50, 50).last());
    }

    @Test
    void unsatisfiableRanges() {
        assertInstanceOf(HttpValues.Unsatisfiable.class, HttpValues.range("bytes=100-", 100));
        assertInstanceOf(HttpValues.Unsatisfiable.class, HttpValues.range("bytes=100-200", 100));
        assertInstanceOf(HttpValues.Unsatisfiable.class, HttpValues.range("bytes=-0", 100));
        assertInstanceOf(HttpValues.Unsatisfiable.class, HttpValues.range("bytes=0-", 0));
        assertInstanceOf(HttpValues.Unsatisfiable.class, HttpValues.range("bytes=-5", 0));
        assertInstanceOf(HttpValues.Unsatisfiable.class, HttpValues.range("bytes=99999999999999999999999-", 100));
    }

    @Test
    void ignoredRanges() {
        for (String ignored : new String[] {"items=0-9", "bytes", "bytes=", "bytes=a-b", "bytes=9-0", "bytes=-",
                "bytes=0-1,2-3", "bytes=0-0,0-0,0-0,0-0", "bytes=1--2", "bytes=+1-2", "bytes=0x1-2", "bytes=0-9,"}) {
            assertInstanceOf(HttpValues.Ignored.class, HttpValues.range(ignored, 100), ignored);
        }
    }

    @Test
    void contentCodingQualities() {
        assertEquals(1, HttpValues.quality("gzip, deflate, br", "br"));
        assertEquals(0, HttpValues.quality("gzip, deflate", "br"));
        assertEquals(0.5, HttpValues.quality("gzip;q=0.5, br;q=0.8", "gzip"));
        assertEquals(0, HttpValues.quality("br;q=0, *", "br"), "q=0 excludes");
        assertEquals(1, HttpValues.quality("br;q=0, *", "gzip"), "* covers the codings not listed");
        assertEquals(0.3, HttpValues.quality("*;q=0.3", "gzip"));
        assertEquals(1, HttpValues.quality("x-gzip", "gzip"));
        assertEquals(1, HttpValues.quality("GZIP ; Q=1.0", "gzip"));
        assertEquals(0, HttpValues.quality("gzip;q=2", "gzip"), "a malformed weight skips the member");
        assertEquals(0, HttpValues.quality("gzip;q=abc", "gzip"));
        assertEquals(0, HttpValues.quality(null, "gzip"));
        assertEquals(1, HttpValues.quality(null, "identity"));
        assertEquals(1, HttpValues.quality("gzip", "identity"), "identity is acceptable unless excluded");
        assertEquals(0, HttpValues.quality("identity;q=0", "identity"));
        assertEquals(0, HttpValues.quality("*;q=0", "identity"));
        assertEquals(0, HttpValues.quality("", "gzip"));
    }
}
