package dev.ferry.netty.internal;

import io.netty.util.AsciiString;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The value of the Date header, formatted once a second instead of once a response. */
final class DateHeader {

    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private volatile AsciiString value = format();

    /** Returns the current value. */
    AsciiString value() {
        return value;
    }

    /** Formats the time now; called once a second. */
    void refresh() {
        value = format();
    }

    private static AsciiString format() {
        return AsciiString.cached(IMF_FIXDATE.format(ZonedDateTime.now(ZoneOffset.UTC)));
    }
}
