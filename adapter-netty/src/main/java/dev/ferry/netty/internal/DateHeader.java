package dev.ferry.netty.internal;

import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The value of the Date header, formatted once a second instead of once a response. */
final class DateHeader {

    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    /** The value and the whole encoded field line, swapped together. */
    private record Now(AsciiString value, byte[] line) {
    }

    private volatile Now now = format();

    /** Returns the current value. */
    AsciiString value() {
        return now.value;
    }

    /** Returns the current field line, {@code Date: ...} and CRLF; the array must not be changed. */
    byte[] line() {
        return now.line;
    }

    /** Formats the time now; called once a second. */
    void refresh() {
        now = format();
    }

    private static Now format() {
        String value = IMF_FIXDATE.format(ZonedDateTime.now(ZoneOffset.UTC));
        return new Now(AsciiString.cached(value), ("Date: " + value + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }
}
