package dev.ferry.internal;

import dev.ferry.Body;
import dev.ferry.ErrorRenderer;
import dev.ferry.Headers;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.Status;
import java.nio.charset.StandardCharsets;

/** The renderers core ships: plain text, JSON, and the choice between them by {@code Accept}. */
public final class ErrorBody {

    private static final Headers JSON_TYPE = Headers.of("Content-Type", "application/json");

    /** Plain text: the message as the body, as Ferry has always answered. */
    public static final ErrorRenderer TEXT = (request, status, message) -> Response.error(status, text(status, message));

    /** A small JSON object with the status, its reason and the message. */
    public static final ErrorRenderer JSON = (request, status, message) ->
            Response.of(status, JSON_TYPE, Body.of(json(status, text(status, message)).getBytes(StandardCharsets.UTF_8)));

    /** JSON when {@code Accept} prefers it to plain text, plain text otherwise. */
    public static final ErrorRenderer STANDARD = (request, status, message) ->
            (prefersJson(request) ? JSON : TEXT).render(request, status, message).withHeader("Vary", "Accept");

    private ErrorBody() {
    }

    private static String text(Status status, String message) {
        return message == null || message.isEmpty() ? status.reason() : message;
    }

    /** Returns {@code {"status":N,"error":"reason","message":"..."}} with every string escaped. */
    public static String json(Status status, String message) {
        StringBuilder out = new StringBuilder(48 + message.length());
        out.append("{\"status\":").append(status.code()).append(",\"error\":");
        quote(out, status.reason());
        out.append(",\"message\":");
        quote(out, message);
        return out.append('}').toString();
    }

    private static void quote(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    // control characters, and the line separators JavaScript once refused in strings
                    if (c < 0x20 || c == 0x7F || c == '\u2028' || c == '\u2029' || Character.isSurrogate(c)
                            && !validSurrogate(text, i)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static boolean validSurrogate(String text, int i) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
    }

    /**
     * Returns whether the request's {@code Accept} gives {@code application/json} a quality above zero
     * and above that of {@code text/plain}, each taken from the most specific range that matches it.
     */
    public static boolean prefersJson(Request request) {
        java.util.List<String> accepts = request.headers().all("Accept");
        if (accepts.isEmpty()) {
            return false;
        }
        // [specificity, quality] of the best range for each type; specificity 0 means no range matched
        double[] json = {0, 0};
        double[] text = {0, 0};
        for (String accept : accepts) {
            int at = 0;
            int n = accept.length();
            while (at < n) {
                int comma = accept.indexOf(',', at);
                int end = comma < 0 ? n : comma;
                range(accept, at, end, json, text);
                at = end + 1;
            }
        }
        return json[1] > 0 && json[1] > text[1];
    }

    private static void range(String accept, int from, int to, double[] json, double[] text) {
        int semicolon = accept.indexOf(';', from);
        int end = semicolon < 0 || semicolon > to ? to : semicolon;
        String range = accept.substring(from, end).trim().toLowerCase(java.util.Locale.ROOT);
        if (range.isEmpty()) {
            return;
        }
        double quality = 1;
        int at = end;
        while (at < to) {
            int next = accept.indexOf(';', at + 1);
            int stop = next < 0 || next > to ? to : next;
            String parameter = accept.substring(at + 1, stop).trim();
            if (parameter.length() > 2 && (parameter.charAt(0) == 'q' || parameter.charAt(0) == 'Q')
                    && parameter.charAt(1) == '=') {
                quality = quality(parameter.substring(2).trim());
            }
            at = stop;
        }
        match(range, "application", "json", quality, json);
        match(range, "text", "plain", quality, text);
    }

    private static void match(String range, String type, String subtype, double quality, double[] best) {
        int specificity;
        if (range.equals(type + "/" + subtype)) {
            specificity = 3;
        } else if (range.equals(type + "/*")) {
            specificity = 2;
        } else if (range.equals("*/*") || range.equals("*")) {
            specificity = 1;
        } else {
            return;
        }
        if (specificity > best[0] || specificity == best[0] && quality > best[1]) {
            best[0] = specificity;
            best[1] = quality;
        }
    }

    /** Returns a quality value of RFC 9110 (0 to 1, at most three decimals), or 0 when it is malformed. */
    private static double quality(String value) {
        if (value.isEmpty() || value.length() > 5 || (value.charAt(0) != '0' && value.charAt(0) != '1')) {
            return 0;
        }
        try {
            double q = Double.parseDouble(value);
            return q >= 0 && q <= 1 ? q : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
