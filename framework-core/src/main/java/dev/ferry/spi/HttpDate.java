package dev.ferry.spi;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The value of the {@code Date} field (RFC 9110 IMF-fixdate), formatted once a second. */
final class HttpDate {

    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private record Formatted(long second, String value) {
    }

    private static volatile Formatted current = new Formatted(-1, "");

    private HttpDate() {
    }

    /** Returns the current date. */
    static String now() {
        long second = System.currentTimeMillis() / 1000;
        Formatted formatted = current;
        if (formatted.second != second) {
            formatted = new Formatted(second, IMF_FIXDATE.format(Instant.ofEpochSecond(second)));
            current = formatted;
        }
        return formatted.value;
    }
}
