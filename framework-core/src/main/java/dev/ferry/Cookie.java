package dev.ferry;

import dev.ferry.internal.Fields;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A cookie to set on the client with {@code Set-Cookie} (RFC 6265), with all its attributes. Build it
 * with {@link #of(String, String)} and the {@code with} methods; read request cookies with
 * {@link Request#cookie(String)}.
 *
 * @param name the cookie name, an HTTP token
 * @param value the value, made of cookie octets (no space, quote, comma, semicolon or backslash)
 * @param maxAge how long the client keeps it, or {@code null} for a session cookie
 * @param expires when it expires, or {@code null}
 * @param path the Path attribute, or {@code null}
 * @param domain the Domain attribute, or {@code null}
 * @param secure whether it is sent over HTTPS only
 * @param httpOnly whether scripts cannot read it
 * @param sameSite the SameSite attribute, or {@code null}
 */
public record Cookie(String name, String value, Duration maxAge, Instant expires, String path, String domain,
                     boolean secure, boolean httpOnly, SameSite sameSite) {

    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    /** The SameSite attribute. */
    public enum SameSite {
        /** Sent only with same-site requests. */
        STRICT("Strict"),
        /** Sent with same-site requests and top-level navigations. */
        LAX("Lax"),
        /** Sent with every request; browsers require {@code Secure} with it. */
        NONE("None");

        private final String attribute;

        SameSite(String attribute) {
            this.attribute = attribute;
        }
    }

    /** Checks the name, value and attribute texts. */
    public Cookie {
        if (name == null || !Fields.isToken(name)) {
            throw new IllegalArgumentException("a cookie name is an HTTP token: " + name);
        }
        if (value == null) {
            throw new IllegalArgumentException("a cookie needs a value");
        }
        String octets = value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1) : value;
        for (int i = 0; i < octets.length(); i++) {
            char c = octets.charAt(i);
            if (c <= 0x20 || c >= 0x7F || c == '"' || c == ',' || c == ';' || c == '\\') {
                throw new IllegalArgumentException("not allowed in a cookie value: '" + c + "'");
            }
        }
        checkAttribute("Path", path);
        checkAttribute("Domain", domain);
    }

    /** Returns a session cookie with no attributes. */
    public static Cookie of(String name, String value) {
        return new Cookie(name, value, null, null, null, null, false, false, null);
    }

    /** Returns a copy with the Max-Age attribute. */
    public Cookie withMaxAge(Duration maxAge) {
        return new Cookie(name, value, maxAge, expires, path, domain, secure, httpOnly, sameSite);
    }

    /** Returns a copy with the Expires attribute. */
    public Cookie withExpires(Instant expires) {
        return new Cookie(name, value, maxAge, expires, path, domain, secure, httpOnly, sameSite);
    }

    /** Returns a copy with the Path attribute. */
    public Cookie withPath(String path) {
        return new Cookie(name, value, maxAge, expires, path, domain, secure, httpOnly, sameSite);
    }

    /** Returns a copy with the Domain attribute. */
    public Cookie withDomain(String domain) {
        return new Cookie(name, value, maxAge, expires, path, domain, secure, httpOnly, sameSite);
    }

    /** Returns a copy with the Secure attribute on or off. */
    public Cookie withSecure(boolean secure) {
        return new Cookie(name, value, maxAge, expires, path, domain, secure, httpOnly, sameSite);
    }

    /** Returns a copy with the HttpOnly attribute on or off. */
    public Cookie withHttpOnly(boolean httpOnly) {
        return new Cookie(name, value, maxAge, expires, path, domain, secure, httpOnly, sameSite);
    }

    /** Returns a copy with the SameSite attribute. */
    public Cookie withSameSite(SameSite sameSite) {
        return new Cookie(name, value, maxAge, expires, path, domain, secure, httpOnly, sameSite);
    }

    /** Returns the value of a {@code Set-Cookie} header for this cookie. */
    public String toSetCookie() {
        StringBuilder header = new StringBuilder(name).append('=').append(value);
        if (maxAge != null) {
            header.append("; Max-Age=").append(Math.max(0, maxAge.toSeconds()));
        }
        if (expires != null) {
            header.append("; Expires=").append(HTTP_DATE.format(expires));
        }
        if (domain != null) {
            header.append("; Domain=").append(domain);
        }
        if (path != null) {
            header.append("; Path=").append(path);
        }
        if (secure) {
            header.append("; Secure");
        }
        if (httpOnly) {
            header.append("; HttpOnly");
        }
        if (sameSite != null) {
            header.append("; SameSite=").append(sameSite.attribute);
        }
        return header.toString();
    }

    /** Parses a request's {@code Cookie} header value into names and values; the first of a repeated name wins. */
    public static Map<String, String> parse(String cookieHeader) {
        Map<String, String> cookies = new LinkedHashMap<>();
        int start = 0;
        while (start < cookieHeader.length()) {
            int end = cookieHeader.indexOf(';', start);
            if (end < 0) {
                end = cookieHeader.length();
            }
            int equals = cookieHeader.indexOf('=', start);
            if (equals > start && equals < end) {
                String name = cookieHeader.substring(start, equals).trim();
                String value = cookieHeader.substring(equals + 1, end).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                if (!name.isEmpty()) {
                    cookies.putIfAbsent(name, value);
                }
            }
            start = end + 1;
        }
        return cookies;
    }

    private static void checkAttribute(String attribute, String text) {
        // RFC 6265: any CHAR except CTLs or ';', and CHAR is US-ASCII: a character above 0x7E could reach
        // the wire as some other octet on a server that writes only a character's low byte
        if (text != null && (text.indexOf(';') >= 0 || text.chars().anyMatch(c -> c < 0x20 || c >= 0x7F))) {
            throw new IllegalArgumentException("not allowed in the " + attribute + " attribute: " + Fields.printable(text));
        }
    }
}
