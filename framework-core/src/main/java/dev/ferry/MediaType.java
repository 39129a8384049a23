package dev.ferry;

import dev.ferry.internal.Fields;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.UnsupportedCharsetException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A media type such as {@code text/html; charset=utf-8}: type and subtype in lower case, parameters
 * with lower-case names.
 *
 * @param type the top-level type, such as {@code text}
 * @param subtype the subtype, such as {@code html}
 * @param parameters the parameters in order, such as {@code charset}
 */
public record MediaType(String type, String subtype, Map<String, String> parameters) {

    /** {@code text/plain; charset=utf-8}. */
    public static final MediaType TEXT_PLAIN = parse("text/plain; charset=utf-8");
    /** {@code text/html; charset=utf-8}. */
    public static final MediaType TEXT_HTML = parse("text/html; charset=utf-8");
    /** {@code application/json}. */
    public static final MediaType APPLICATION_JSON = parse("application/json");
    /** {@code application/x-www-form-urlencoded}. */
    public static final MediaType FORM_URLENCODED = parse("application/x-www-form-urlencoded");
    /** {@code application/octet-stream}. */
    public static final MediaType OCTET_STREAM = parse("application/octet-stream");
    /** {@code text/event-stream}. */
    public static final MediaType EVENT_STREAM = parse("text/event-stream");

    /** Normalises case and makes the parameters immutable. */
    public MediaType {
        type = type.toLowerCase(Locale.ROOT);
        subtype = subtype.toLowerCase(Locale.ROOT);
        if (!Fields.isToken(type) || !Fields.isToken(subtype)) {
            throw new IllegalArgumentException("not a media type: " + type + "/" + subtype);
        }
        parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /**
     * Parses a Content-Type or Accept element.
     *
     * @throws IllegalArgumentException when the text is not a media type
     */
    public static MediaType parse(String text) {
        int semicolon = text.indexOf(';');
        String essence = (semicolon < 0 ? text : text.substring(0, semicolon)).trim();
        int slash = essence.indexOf('/');
        if (slash <= 0 || slash == essence.length() - 1) {
            throw new IllegalArgumentException("not a media type: " + text);
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        int at = semicolon;
        while (at >= 0 && at < text.length()) {
            int next = text.indexOf(';', at + 1);
            String parameter = text.substring(at + 1, next < 0 ? text.length() : next).trim();
            at = next;
            if (parameter.isEmpty()) {
                continue;
            }
            int equals = parameter.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("not a media type parameter: " + parameter);
            }
            String value = parameter.substring(equals + 1).trim();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            parameters.put(parameter.substring(0, equals).trim().toLowerCase(Locale.ROOT), value);
        }
        return new MediaType(essence.substring(0, slash).trim(), essence.substring(slash + 1).trim(), parameters);
    }

    /** Returns the charset parameter, if present and known to the JDK. */
    public Optional<Charset> charset() {
        String name = parameters.get("charset");
        if (name == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Charset.forName(name));
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            return Optional.empty();
        }
    }

    /** Returns a copy with the given charset parameter. */
    public MediaType withCharset(Charset charset) {
        Map<String, String> copy = new LinkedHashMap<>(parameters);
        copy.put("charset", charset.name().toLowerCase(Locale.ROOT));
        return new MediaType(type, subtype, copy);
    }

    /** Returns whether type and subtype are equal, ignoring parameters; {@code *} matches any. */
    public boolean matches(MediaType other) {
        return (type.equals("*") || other.type.equals("*") || type.equals(other.type))
                && (subtype.equals("*") || other.subtype.equals("*") || subtype.equals(other.subtype));
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(type).append('/').append(subtype);
        parameters.forEach((name, value) -> {
            text.append("; ").append(name).append('=');
            if (Fields.isToken(value)) {
                text.append(value);
            } else {
                text.append('"').append(value.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
        });
        return text.toString();
    }
}
