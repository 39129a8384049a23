package dev.ferry.internal;

/**
 * The character rules of RFC 9110 for header fields, in one place: names are tokens; values are
 * visible ASCII or obs-text (octets 0x80-0xFF as Latin-1 characters), with spaces and tabs only
 * between other characters. Nothing that breaks these rules is ever written to the wire.
 */
public final class Fields {

    private static final String TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final long TOKEN_LOW = mask(0); // the token characters below 64, a bit each
    private static final long TOKEN_HIGH = mask(64); // the ones from 64 to 127

    private static long mask(int from) {
        long mask = 0;
        for (char c : TOKEN_CHARS.toCharArray()) {
            if (c >= from && c < from + 64) {
                mask |= 1L << (c - from);
            }
        }
        return mask;
    }

    private Fields() {
    }

    /** Returns whether the character may appear in a token. */
    public static boolean isTokenChar(char c) {
        return c < 128 && ((c < 64 ? TOKEN_LOW : TOKEN_HIGH) >>> c & 1) != 0;
    }

    /** Returns whether the text is a non-empty token. */
    public static boolean isToken(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            // a shift takes the low six bits of c: the bit of c in the mask of its half of ASCII
            if (c >= 128 || ((c < 64 ? TOKEN_LOW : TOKEN_HIGH) >>> c & 1) == 0) {
                return false;
            }
        }
        return true;
    }

    /** Returns whether the text is a valid field value: possibly empty, no leading or trailing whitespace. */
    public static boolean isValue(String value) {
        int n = value.length();
        if (n == 0) {
            return true;
        }
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c == 0x7F || c > 0xFF) {
                if ((c != ' ' && c != '\t') || i == 0 || i == n - 1) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Returns whether the text is a Host value every server accepts alike: a host name of labels made of
     * letters, digits and inner hyphens separated by single dots (an IPv4 address is one), or a
     * bracketed IPv6 address, then optionally a colon and a port from 1 to 65535. Undertow and Tomcat
     * each refuse some values the other takes; this is what both take.
     */
    public static boolean isHost(CharSequence host) {
        int n = host.length();
        if (n == 0 || n > 255) {
            return false;
        }
        int end = n;
        int colon = -1;
        for (int i = n - 1; i >= 0; i--) {
            char c = host.charAt(i);
            if (c == ':' || c == ']') {
                colon = c == ':' ? i : -1;
                break;
            }
        }
        if (colon >= 0) {
            int digits = n - colon - 1;
            if (digits == 0 || digits > 5 || host.charAt(colon + 1) == '0') {
                return false;
            }
            int port = 0;
            for (int i = colon + 1; i < n; i++) {
                char c = host.charAt(i);
                if (c < '0' || c > '9') {
                    return false;
                }
                port = port * 10 + (c - '0');
            }
            if (port > 65535) {
                return false;
            }
            end = colon;
        }
        if (host.charAt(0) == '[') {
            return end >= 4 && host.charAt(end - 1) == ']' && isIpv6(host, 1, end - 1);
        }
        int labelStart = 0;
        for (int i = 0; i <= end; i++) {
            char c = i < end ? host.charAt(i) : '.';
            if (c == '.') {
                if (i == labelStart || host.charAt(labelStart) == '-' || host.charAt(i - 1) == '-') {
                    return false;
                }
                labelStart = i + 1;
            } else if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns whether the characters are an IPv6 address in hex groups: eight of one to four digits, or
     * fewer with one {@code ::}. The dotted IPv4 tail is left out, as Undertow refuses it in Host.
     */
    private static boolean isIpv6(CharSequence text, int from, int to) {
        int groups = 0;
        boolean elided = false;
        int i = from;
        if (to - from >= 2 && text.charAt(from) == ':' && text.charAt(from + 1) == ':') {
            elided = true;
            i += 2;
        }
        while (i < to) {
            int digits = 0;
            while (i < to && Character.digit(text.charAt(i), 16) >= 0 && digits < 5) {
                i++;
                digits++;
            }
            if (digits == 0 || digits > 4) {
                return false;
            }
            groups++;
            if (i == to) {
                break;
            }
            if (text.charAt(i) != ':') {
                return false;
            }
            i++;
            if (i < to && text.charAt(i) == ':') {
                if (elided) {
                    return false;
                }
                elided = true;
                i++;
            } else if (i == to) {
                return false;
            }
        }
        return elided ? groups < 8 : groups == 8;
    }

    /**
     * Returns what is wrong with a field, naming it, or {@code null} when it may be sent.
     */
    public static String problem(String name, String value) {
        if (name == null || value == null) {
            return "a header needs a name and a value";
        }
        if (!isToken(name)) {
            return "header name '" + printable(name) + "' is not a token";
        }
        if (!isValue(value)) {
            return "header " + name + " has a value that cannot be sent: '" + printable(value)
                    + "' (only visible ASCII, octets 0x80-0xFF, and spaces or tabs between them)";
        }
        return null;
    }

    /**
     * Checks a field.
     *
     * @throws IllegalArgumentException naming the header when it cannot be sent
     */
    public static void check(String name, String value) {
        String problem = problem(name, value);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** Returns the text with control characters and characters above 0xFF escaped, for messages and logs. */
    public static String printable(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean plain = c >= 0x20 && c != 0x7F && c <= 0xFF;
            if (!plain && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out != null) {
                if (plain) {
                    out.append(c);
                } else {
                    out.append(c <= 0xFF ? String.format("\\x%02X", (int) c) : String.format("\\u%04X", (int) c));
                }
            }
        }
        return out == null ? text : out.toString();
    }
}
