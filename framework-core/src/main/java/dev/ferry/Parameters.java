package dev.ferry;

import dev.ferry.internal.PercentCodec;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decoded, multi-valued, ordered name-value pairs from a query string or an
 * {@code application/x-www-form-urlencoded} form. A key without {@code =} has the empty value.
 */
public final class Parameters {

    private static final Parameters EMPTY = new Parameters(Map.of());

    private final Map<String, List<String>> values;

    private Parameters(Map<String, List<String>> values) {
        this.values = values;
    }

    /** Returns parameters with no names. */
    public static Parameters empty() {
        return EMPTY;
    }

    /**
     * Parses URL-encoded pairs such as {@code a=1&b=x+y}: {@code +} is a space, percent-escapes are
     * UTF-8, empty pairs are skipped.
     *
     * @throws HttpException 400 when an escape or its UTF-8 is invalid
     */
    public static Parameters parse(String encoded) {
        return parse(encoded, StandardCharsets.UTF_8);
    }

    private static Parameters parse(String encoded, Charset charset) {
        if (encoded == null || encoded.isEmpty()) {
            return EMPTY;
        }
        Map<String, List<String>> values = new LinkedHashMap<>();
        int start = 0;
        int length = encoded.length();
        while (start <= length) {
            int end = encoded.indexOf('&', start);
            if (end < 0) {
                end = length;
            }
            if (end > start) {
                int equals = encoded.indexOf('=', start);
                String name;
                String value;
                if (equals < 0 || equals > end) {
                    name = PercentCodec.decode(encoded, start, end, true, charset);
                    value = "";
                } else {
                    name = PercentCodec.decode(encoded, start, equals, true, charset);
                    value = PercentCodec.decode(encoded, equals + 1, end, true, charset);
                }
                values.computeIfAbsent(name, key -> new ArrayList<>(1)).add(value);
            }
            start = end + 1;
        }
        values.replaceAll((name, list) -> Collections.unmodifiableList(list));
        return new Parameters(Collections.unmodifiableMap(values));
    }

    /**
     * Reads a request's {@code application/x-www-form-urlencoded} body, its escaped and raw octets in
     * the declared charset ({@code application/x-www-form-urlencoded; charset=ISO-8859-1}), UTF-8 when
     * none is declared.
     *
     * @throws HttpException 415 when the request has another content type or a charset the JDK does
     *     not know, 400 when the body is malformed for its charset
     */
    public static Parameters form(Request request) throws IOException {
        MediaType type = request.contentType().orElse(null);
        if (type == null || !type.type().equals("application") || !type.subtype().equals("x-www-form-urlencoded")) {
            throw new HttpException(Status.UNSUPPORTED_MEDIA_TYPE, "Expected application/x-www-form-urlencoded");
        }
        Charset charset = StandardCharsets.UTF_8;
        if (type.parameters().containsKey("charset")) {
            charset = type.charset().orElseThrow(() -> new HttpException(Status.UNSUPPORTED_MEDIA_TYPE,
                    "Unsupported charset: " + dev.ferry.internal.Fields.printable(type.parameters().get("charset"))));
        }
        return parse(new String(request.body().bytes(), StandardCharsets.ISO_8859_1), charset);
    }

    /** Returns the first value of the name. */
    public Optional<String> first(String name) {
        List<String> list = values.get(name);
        return list == null ? Optional.empty() : Optional.of(list.get(0));
    }

    /** Returns every value of the name in order. */
    public List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    /** Returns whether the name is present. */
    public boolean contains(String name) {
        return values.containsKey(name);
    }

    /** Returns the names in the order they first appear. */
    public Set<String> names() {
        return values.keySet();
    }

    /** Returns every name with its values. */
    public Map<String, List<String>> asMap() {
        return values;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Parameters that && values.equals(that.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
