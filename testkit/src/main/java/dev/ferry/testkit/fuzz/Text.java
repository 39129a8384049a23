package dev.ferry.testkit.fuzz;

/** Escapes raw octets for the fuzzers' reports: CR, LF and tab by name, other controls and non-ASCII as hex. */
public final class Text {

    private Text() {
    }

    /** Returns the text with CR, LF, tab and backslash escaped, other controls and non-ASCII as {@code \\xNN}. */
    public static String escape(String raw) {
        StringBuilder out = new StringBuilder(raw.length() + 16);
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            switch (c) {
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\\' -> out.append("\\\\");
                default -> out.append(c < 0x20 || c >= 0x7F ? String.format("\\x%02X", (int) c & 0xFF) : String.valueOf(c));
            }
        }
        return out.toString();
    }

    /** Escapes and shortens long runs of one character, as the limit mutations make. */
    public static String brief(String raw, int max) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < raw.length()) {
            int j = i;
            while (j < raw.length() && raw.charAt(j) == raw.charAt(i)) {
                j++;
            }
            String piece = escape(raw.substring(i, i + 1));
            out.append(j - i > 12 ? piece + "{x" + (j - i) + "}" : piece.repeat(j - i));
            i = j;
        }
        return out.length() > max ? out.substring(0, max) + "...(" + raw.length() + " bytes)" : out.toString();
    }
}
