package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HeadersTest {

    @Test
    void namesCompareCaseInsensitivelyAndKeepTheirSpelling() {
        Headers headers = Headers.of("Content-Type", "text/plain", "X-Id", "7");
        assertEquals(Optional.of("text/plain"), headers.first("content-type"));
        assertEquals(Optional.of("7"), headers.first("X-ID"));
        assertEquals(Set.of("Content-Type", "X-Id"), headers.names());
        assertTrue(headers.contains("CONTENT-TYPE"));
        assertFalse(headers.contains("Content-Length"));
    }

    @Test
    void repeatedNamesKeepEveryValueInOrder() {
        Headers headers = Headers.of("Accept", "a", "X", "1", "accept", "b");
        assertEquals(List.of("a", "b"), headers.all("ACCEPT"));
        assertEquals(3, headers.size());
        assertEquals(List.of("Accept", "X"), new ArrayList<>(headers.names()));
        List<String> seen = new ArrayList<>();
        headers.forEach((name, value) -> seen.add(name + "=" + value));
        assertEquals(List.of("Accept=a", "X=1", "accept=b"), seen);
    }

    @Test
    void copiesLeaveTheOriginalUnchanged() {
        Headers original = Headers.of("A", "1", "a", "2", "B", "3");
        Headers replaced = original.with("a", "x");
        assertEquals(List.of("x"), replaced.all("A"));
        assertEquals(List.of("1", "2"), original.all("A"));
        assertEquals(Optional.of("3"), replaced.first("B"));
        Headers added = original.plus("B", "4");
        assertEquals(List.of("3", "4"), added.all("b"));
        assertEquals(1, original.all("b").size());
        Headers removed = original.without("A");
        assertEquals(1, removed.size());
        assertSame(original, original.without("missing"));
    }

    @Test
    void replacingKeepsThePositionOfTheFirstField() {
        Headers headers = Headers.of("A", "1", "B", "2", "a", "3").with("A", "9");
        List<String> order = new ArrayList<>();
        headers.forEach((name, value) -> order.add(name + value));
        assertEquals(List.of("A9", "B2"), order);
    }

    @Test
    void rejectsHeaderInjectionAndBadNames() {
        assertThrows(IllegalArgumentException.class, () -> Headers.empty().with("X", "a\r\nSet-Cookie: x=1"));
        assertThrows(IllegalArgumentException.class, () -> Headers.empty().plus("X", "a\nb"));
        assertThrows(IllegalArgumentException.class, () -> Headers.empty().with("Bad Name", "v"));
        assertThrows(IllegalArgumentException.class, () -> Headers.empty().with("X:", "v"));
        assertThrows(IllegalArgumentException.class, () -> Headers.of("odd"));
    }

    @Test
    void everyEntryPointChecksValues() {
        for (String bad : new String[] {"a\u0001b", "a\u007Fb", "\u013B Domain=evil", " leading", "trailing\t", "nul\u0000"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Headers.of("X-Bad", bad));
            assertTrue(e.getMessage().contains("X-Bad"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Headers.builder().add("X-Bad", bad));
            assertThrows(IllegalArgumentException.class, () -> Headers.empty().with("X-Bad", bad));
            assertThrows(IllegalArgumentException.class, () -> Headers.empty().plus("X-Bad", bad));
            assertThrows(IllegalArgumentException.class, () -> Response.redirect(bad));
            assertThrows(IllegalArgumentException.class, () -> Response.ok().withHeader("X-Bad", bad));
        }
        assertThrows(IllegalArgumentException.class, () -> Headers.builder().add("Bad Name", "v"));
        assertThrows(IllegalArgumentException.class, () -> Headers.builder().add("X", null));
    }

    @Test
    void valuesMayHoldObsTextAndInnerWhitespace() {
        Headers headers = Headers.of("X-Latin", "caf\u00E9", "X-Inner", "a \t b", "X-Empty", "");
        assertEquals(Optional.of("caf\u00E9"), headers.first("X-Latin"));
        assertEquals(Optional.of("a \t b"), headers.first("X-Inner"));
        assertEquals(Optional.of(""), headers.first("X-Empty"));
    }

    @Test
    void aReflectedPathCannotAddACookieAttribute() {
        // U+013B's low byte is ';': a server that wrote low bytes would send "; Domain=evil.example"
        String reflected = "/app\u013B Domain=evil.example";
        assertThrows(IllegalArgumentException.class, () -> Cookie.of("session", "1").withPath(reflected));
        assertThrows(IllegalArgumentException.class,
                () -> Response.ok().withAddedHeader("Set-Cookie", "session=1; Path=" + reflected));
    }

    @Test
    void equalityIgnoresNameCase() {
        assertEquals(Headers.of("A", "1"), Headers.of("a", "1"));
        assertEquals(Headers.of("A", "1").hashCode(), Headers.of("a", "1").hashCode());
        assertFalse(Headers.of("A", "1").equals(Headers.of("A", "2")));
    }

    @Test
    void builderCollectsManyFields() {
        Headers.Builder builder = Headers.builder();
        for (int i = 0; i < 100; i++) {
            builder.add("X-" + i, Integer.toString(i));
        }
        Headers headers = builder.build();
        assertEquals(100, headers.size());
        assertEquals(Optional.of("99"), headers.first("x-99"));
        assertSame(Headers.empty(), Headers.builder().build());
    }
}
