package dev.ferry;

import dev.ferry.internal.Fields;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Immutable HTTP header fields: names compare case-insensitively, a name may repeat, and the order
 * in which fields were added is kept. Every change returns a new instance. Every way of adding a
 * field checks it: names are tokens, values are visible ASCII or octets 0x80-0xFF (as Latin-1
 * characters) with spaces or tabs only between them; anything else fails with an
 * {@link IllegalArgumentException} that names the header.
 */
public final class Headers {

    private static final String[] NONE = new String[0];
    private static final Headers EMPTY = new Headers(NONE, 0, true);

    /** Alternating names and values: name at 2i, value at 2i + 1. */
    private final String[] fields;
    private final int size;
    /** Every field was checked as it was added; false for fields a server parsed, and what is made from them. */
    private final boolean checked;

    private Headers(String[] fields, int size, boolean checked) {
        this.fields = fields;
        this.size = size;
        this.checked = checked;
    }

    /** Returns headers with no fields. */
    public static Headers empty() {
        return EMPTY;
    }

    /**
     * Returns headers from alternating names and values, for example
     * {@code Headers.of("Content-Type", "text/plain", "X-Id", "7")}.
     */
    public static Headers of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values must come in pairs");
        }
        Builder builder = builder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            builder.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return builder.build();
    }

    /** Returns a builder that collects fields in order and builds them once. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the first value of the named field. */
    public Optional<String> first(String name) {
        return Optional.ofNullable(firstOrNull(name));
    }

    /** Returns the first value of the named field, or {@code null} when there is none. */
    public String firstOrNull(String name) {
        for (int i = 0; i < size; i += 2) {
            if (fields[i].equalsIgnoreCase(name)) {
                return fields[i + 1];
            }
        }
        return null;
    }

    /** Returns every value of the named field in the order they were added. */
    public List<String> all(String name) {
        List<String> values = null;
        for (int i = 0; i < size; i += 2) {
            if (fields[i].equalsIgnoreCase(name)) {
                if (values == null) {
                    values = new ArrayList<>(2);
                }
                values.add(fields[i + 1]);
            }
        }
        return values == null ? List.of() : Collections.unmodifiableList(values);
    }

    /** Returns whether the named field is present. */
    public boolean contains(String name) {
        return firstOrNull(name) != null;
    }

    /** Returns the distinct field names, each in the spelling it was first added with. */
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        outer:
        for (int i = 0; i < size; i += 2) {
            for (String seen : names) {
                if (seen.equalsIgnoreCase(fields[i])) {
                    continue outer;
                }
            }
            names.add(fields[i]);
        }
        return Collections.unmodifiableSet(names);
    }

    /** Returns the number of fields, counting each value of a repeated name. */
    public int size() {
        return size / 2;
    }

    /** Returns whether there are no fields. */
    public boolean isEmpty() {
        return size == 0;
    }

    /** Calls the action with each name and value, in order. */
    public void forEach(BiConsumer<String, String> action) {
        for (int i = 0; i < size; i += 2) {
            action.accept(fields[i], fields[i + 1]);
        }
    }

    /** Returns a copy with one more field, after any existing fields of that name. */
    public Headers plus(String name, String value) {
        checkField(name, value);
        String[] copy = Arrays.copyOf(fields, size + 2);
        copy[size] = name;
        copy[size + 1] = value;
        return new Headers(copy, size + 2, checked);
    }

    /** Returns a copy in which the named field has exactly this one value. */
    public Headers with(String name, String value) {
        checkField(name, value);
        int at = -1;
        for (int i = 0; i < size; i += 2) {
            if (fields[i].equalsIgnoreCase(name)) {
                at = i;
                break;
            }
        }
        if (at < 0) {
            return plus(name, value);
        }
        String[] copy = new String[size];
        int n = 0;
        for (int i = 0; i < size; i += 2) {
            if (i == at) {
                copy[n++] = name;
                copy[n++] = value;
            } else if (!fields[i].equalsIgnoreCase(name)) {
                copy[n++] = fields[i];
                copy[n++] = fields[i + 1];
            }
        }
        return new Headers(copy, n, checked);
    }

    /** Returns a copy without any field of that name. */
    public Headers without(String name) {
        if (!contains(name)) {
            return this;
        }
        String[] copy = new String[size];
        int n = 0;
        for (int i = 0; i < size; i += 2) {
            if (!fields[i].equalsIgnoreCase(name)) {
                copy[n++] = fields[i];
                copy[n++] = fields[i + 1];
            }
        }
        return new Headers(copy, n, checked);
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof Headers that) || that.size != size) {
            return false;
        }
        for (int i = 0; i < size; i += 2) {
            if (!fields[i].equalsIgnoreCase(that.fields[i]) || !fields[i + 1].equals(that.fields[i + 1])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int hash = 1;
        for (int i = 0; i < size; i += 2) {
            hash = 31 * hash + fields[i].toLowerCase(java.util.Locale.ROOT).hashCode();
            hash = 31 * hash + fields[i + 1].hashCode();
        }
        return hash;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("{");
        for (int i = 0; i < size; i += 2) {
            text.append(i == 0 ? "" : ", ").append(fields[i]).append(": ").append(fields[i + 1]);
        }
        return text.append('}').toString();
    }

    /** Returns whether every field passed the checks of {@link Builder#add} when it was added. */
    boolean checked() {
        return checked;
    }

    private static void checkField(String name, String value) {
        Fields.check(name, value);
    }

    /**
     * Returns headers from alternating names and values as a server parsed them, without checking them
     * again, ordered by name. Servers disagree on the order of fields with different names (Undertow
     * groups them in hash order), and RFC 9110 makes that order insignificant, so every server hands
     * the app the same one: names in case-insensitive order, the values of one name as received.
     */
    static Headers parsed(String[] namesAndValues, int length) {
        if (length == 0) {
            return EMPTY;
        }
        for (int i = 2; i < length; i += 2) {
            String name = namesAndValues[i];
            String value = namesAndValues[i + 1];
            int j = i;
            while (j > 0 && namesAndValues[j - 2].compareToIgnoreCase(name) > 0) {
                namesAndValues[j] = namesAndValues[j - 2];
                namesAndValues[j + 1] = namesAndValues[j - 1];
                j -= 2;
            }
            namesAndValues[j] = name;
            namesAndValues[j + 1] = value;
        }
        return new Headers(namesAndValues, length, false);
    }

    /** Collects fields in order and builds {@link Headers} once, without intermediate copies. */
    public static final class Builder {
        private String[] fields = new String[16];
        private int size;

        private Builder() {
        }

        /**
         * Adds a field after those already added.
         *
         * @throws IllegalArgumentException naming the header when its name or value cannot be sent
         */
        public Builder add(String name, String value) {
            checkField(name, value);
            if (size == fields.length) {
                fields = Arrays.copyOf(fields, size * 2);
            }
            fields[size++] = name;
            fields[size++] = value;
            return this;
        }

        /** Returns the headers collected so far. */
        public Headers build() {
            return size == 0 ? EMPTY : new Headers(Arrays.copyOf(fields, size), size, true);
        }
    }
}
