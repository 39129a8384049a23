package dev.ferry.internal;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Locale;

/**
 * Parsing of the request fields that static files depend on (RFC 9110): HTTP dates, entity-tag lists,
 * single byte ranges and content-coding qualities. Each parser is lenient where the RFC tells a
 * recipient to ignore what it cannot parse, and never throws on client input.
 */
public final class HttpValues {

    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    /** RFC 850's obsolete form; a two-digit year is taken within the 50 years before or after now. */
    private static final DateTimeFormatter RFC_850 = new DateTimeFormatterBuilder()
            .appendPattern("EEEE, dd-MMM-")
            .appendValueReduced(ChronoField.YEAR, 2, 2, LocalDate.now(ZoneOffset.UTC).minusYears(50))
            .appendPattern(" HH:mm:ss 'GMT'")
            .toFormatter(Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ASCTIME =
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private HttpValues() {
    }

    // --- dates

    /** Formats epoch seconds as an IMF-fixdate. */
    public static String formatDate(long epochSecond) {
        return IMF_FIXDATE.format(Instant.ofEpochSecond(epochSecond));
    }

    /**
     * Parses an HTTP date in any of the three forms a recipient must accept (IMF-fixdate, RFC 850,
     * asctime) and returns its epoch second, or {@link Long#MIN_VALUE} when it is not a valid date.
     */
    public static long parseDate(String text) {
        if (text == null || text.length() > 64) {
            return Long.MIN_VALUE;
        }
        String value = text.strip();
        for (DateTimeFormatter format : new DateTimeFormatter[] {IMF_FIXDATE, RFC_850, ASCTIME}) {
            try {
                return ZonedDateTime.parse(value, format).toEpochSecond();
            } catch (DateTimeParseException e) {
                // try the next form
            }
        }
        return Long.MIN_VALUE;
    }

    // --- entity tags

    /**
     * Returns whether an {@code If-Match} or {@code If-None-Match} value ({@code *} or a list of
     * entity-tags) matches the current entity-tag: weakly (the opaque tags are equal, {@code W/} aside),
     * as If-None-Match compares, or strongly (both strong and equal), as If-Match compares. A list
     * member that is not an entity-tag matches nothing.
     */
    public static boolean matches(String header, String current, boolean weak) {
        String value = header.strip();
        if (value.equals("*")) {
            return true;
        }
        boolean currentWeak = current.startsWith("W/");
        String currentOpaque = currentWeak ? current.substring(2) : current;
        int at = 0;
        int n = value.length();
        while (at < n) {
            char c = value.charAt(at);
            if (c == ',' || c == ' ' || c == '\t') {
                at++;
                continue;
            }
            boolean tagWeak = false;
            if (c == 'W' && value.startsWith("W/\"", at)) {
                tagWeak = true;
                at += 2;
            }
            if (value.charAt(at) != '"') {
                // not an entity-tag: skip to the next member
                int comma = value.indexOf(',', at);
                at = comma < 0 ? n : comma + 1;
                continue;
            }
            int close = value.indexOf('"', at + 1);
            if (close < 0) {
                return false;
            }
            String opaque = value.substring(at, close + 1);
            at = close + 1;
            if (opaque.equals(currentOpaque) && (weak || !tagWeak && !currentWeak)) {
                return true;
            }
        }
        return false;
    }

    // --- ranges

    /** The outcome of parsing a {@code Range} field against a representation's length. */
    public sealed interface Range permits Ignored, Unsatisfiable, Satisfiable {
    }

    /** The field is to be ignored and the whole representation sent: not bytes, malformed, or several ranges. */
    public record Ignored(String why) implements Range {
    }

    /** No range of the field overlaps the representation: 416. */
    public record Unsatisfiable() implements Range {
    }

    /** One range, clipped to the representation: {@code length} bytes from {@code first}. */
    public record Satisfiable(long first, long length) implements Range {
        /** Returns the last byte position, inclusive. */
        public long last() {
            return first + length - 1;
        }
    }

    /**
     * Parses a {@code Range} value for a representation of {@code size} bytes. Only a single byte range
     * is honoured ({@code a-b}, {@code a-}, {@code -n}); a list of several is ignored, so that one
     * request can never make the server send more than the whole representation once.
     */
    public static Range range(String header, long size) {
        String value = header.strip();
        int equals = value.indexOf('=');
        if (equals < 0 || !value.substring(0, equals).strip().equalsIgnoreCase("bytes")) {
            return new Ignored("not a byte range");
        }
        String set = value.substring(equals + 1).strip();
        if (set.indexOf(',') >= 0) {
            return new Ignored("several ranges");
        }
        int dash = set.indexOf('-');
        if (dash < 0) {
            return new Ignored("malformed");
        }
        String first = set.substring(0, dash).strip();
        String last = set.substring(dash + 1).strip();
        if (first.isEmpty()) {
            long suffix = digits(last);
            if (suffix < 0) {
                return new Ignored("malformed");
            }
            if (suffix == 0 || size == 0) {
                return new Unsatisfiable();
            }
            long length = Math.min(suffix, size);
            return new Satisfiable(size - length, length);
        }
        long from = digits(first);
        long to = last.isEmpty() ? Long.MAX_VALUE : digits(last);
        if (from < 0 || to < 0 || to < from) {
            return new Ignored("malformed");
        }
        if (from >= size) {
            return new Unsatisfiable();
        }
        long end = Math.min(to, size - 1);
        return new Satisfiable(from, end - from + 1);
    }

    /** Returns the value of 1 or more ASCII digits (saturating at Long.MAX_VALUE), or -1. */
    private static long digits(String text) {
        if (text.isEmpty()) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value > (Long.MAX_VALUE - 9) / 10 ? Long.MAX_VALUE : value * 10 + (c - '0');
        }
        return value;
    }

    // --- content codings

    /**
     * Returns the quality (0 to 1) an {@code Accept-Encoding} value gives a content coding: its own
     * entry, else that of {@code *}, else 0, except {@code identity}, which is acceptable (1) unless
     * excluded. A null header accepts only identity. Members with a malformed weight are skipped.
     */
    public static double quality(String header, String coding) {
        boolean identity = coding.equalsIgnoreCase("identity");
        if (header == null) {
            return identity ? 1 : 0;
        }
        double star = -1;
        for (String member : header.split(",")) {
            int semicolon = member.indexOf(';');
            String name = (semicolon < 0 ? member : member.substring(0, semicolon)).strip();
            if (name.isEmpty()) {
                continue;
            }
            double q = 1;
            if (semicolon >= 0) {
                q = weight(member.substring(semicolon + 1));
                if (q < 0) {
                    continue;
                }
            }
            if (name.equalsIgnoreCase(coding) || coding.equalsIgnoreCase("gzip") && name.equalsIgnoreCase("x-gzip")) {
                return q;
            }
            if (name.equals("*")) {
                star = q;
            }
        }
        if (star >= 0) {
            return star;
        }
        return identity ? 1 : 0;
    }

    /** Parses {@code q=0.5} (among parameters), returning the weight or -1 when malformed. */
    private static double weight(String parameters) {
        for (String parameter : parameters.split(";")) {
            String p = parameter.strip();
            if (p.length() >= 2 && (p.charAt(0) == 'q' || p.charAt(0) == 'Q') && p.charAt(1) == '=') {
                String number = p.substring(2).strip();
                if (!number.matches("0(\\.[0-9]{0,3})?|1(\\.0{0,3})?")) {
                    return -1;
                }
                return Double.parseDouble(number);
            }
        }
        return 1;
    }
}
