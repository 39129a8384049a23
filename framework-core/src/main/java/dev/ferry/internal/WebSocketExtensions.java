package dev.ferry.internal;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a client's {@code Sec-WebSocket-Extensions} fields (RFC 6455, section 9.1): a list of extensions, each a
 * token with parameters, each a token with an optional value that is a token or a quoted token.
 */
public final class WebSocketExtensions {

    /** One extension the client offers, with its parameters in order, each a name and its value (null for none). */
    public record Offer(String name, List<Map.Entry<String, String>> parameters) {
    }

    private WebSocketExtensions() {
    }

    /**
     * Returns the offers of the fields in order, empty elements left out.
     *
     * @throws IllegalArgumentException when a field is not such a list
     */
    public static List<Offer> parse(List<String> fields) {
        List<Offer> offers = new ArrayList<>();
        for (String field : fields) {
            for (String element : split(field, ',')) {
                if (element.isBlank()) {
                    continue;
                }
                List<String> parts = split(element, ';');
                String name = token(parts.get(0).strip(), element);
                List<Map.Entry<String, String>> parameters = new ArrayList<>();
                for (String part : parts.subList(1, parts.size())) {
                    int equals = part.indexOf('=');
                    String key = token((equals < 0 ? part : part.substring(0, equals)).strip(), element);
                    String value = equals < 0 ? null : token(unquote(part.substring(equals + 1).strip()), element);
                    parameters.add(new AbstractMap.SimpleImmutableEntry<>(key, value));
                }
                offers.add(new Offer(name, List.copyOf(parameters)));
            }
        }
        return offers;
    }

    private static String token(String text, String element) {
        if (!Fields.isToken(text)) {
            throw new IllegalArgumentException("not an extension with token parameters: " + Fields.printable(element));
        }
        return text;
    }

    private static String unquote(String value) {
        boolean quoted = value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"");
        return quoted ? value.substring(1, value.length() - 1) : value;
    }

    /** Splits at the separator outside quoted strings. */
    private static List<String> split(String text, char separator) {
        List<String> parts = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == separator && !quoted) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }
}
