package dev.ferry.testkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP/1.x response exactly as it was read from a socket: status line, header fields in the order
 * sent, the decoded body and how the body was delimited.
 *
 * @param version the protocol version on the status line, such as {@code HTTP/1.1}
 * @param status the status code
 * @param reason the reason phrase, possibly empty
 * @param fields the header fields in the order sent, each a name and a value
 * @param body the body, de-chunked when it was sent chunked
 * @param framing how the body was delimited
 * @param trailers the trailer fields of a chunked body, in order
 */
public record RawResponse(String version, int status, String reason, List<Map.Entry<String, String>> fields,
                          byte[] body, Framing framing, List<Map.Entry<String, String>> trailers) {

    /** How a response body was delimited on the wire. */
    public enum Framing {
        /** No body could follow: HEAD, 1xx, 204 or 304. */
        NONE,
        /** A {@code Content-Length} header gave the length. */
        CONTENT_LENGTH,
        /** {@code Transfer-Encoding: chunked}. */
        CHUNKED,
        /** The server closed the connection to end the body. */
        CLOSE
    }

    /** Copies the lists so the value stays immutable. */
    public RawResponse {
        fields = List.copyOf(fields);
        trailers = List.copyOf(trailers);
    }

    /** Returns the first value of the named header (case-insensitive). */
    public Optional<String> header(String name) {
        for (Map.Entry<String, String> field : fields) {
            if (field.getKey().equalsIgnoreCase(name)) {
                return Optional.of(field.getValue());
            }
        }
        return Optional.empty();
    }

    /** Returns every value of the named header (case-insensitive), in order. */
    public List<String> headers(String name) {
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, String> field : fields) {
            if (field.getKey().equalsIgnoreCase(name)) {
                values.add(field.getValue());
            }
        }
        return values;
    }

    /** Returns whether the named header is present. */
    public boolean has(String name) {
        return header(name).isPresent();
    }

    /** Returns the body as UTF-8 text. */
    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Returns whether the response carries a {@code Connection} header with the {@code close} option. */
    public boolean saysClose() {
        for (String value : headers("Connection")) {
            for (String option : value.split(",")) {
                if (option.trim().toLowerCase(Locale.ROOT).equals("close")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Returns whether this is an interim (1xx) response. */
    public boolean interim() {
        return status >= 100 && status < 200;
    }

    /** Returns the status line and headers as text, for failure messages. */
    public String head() {
        StringBuilder text = new StringBuilder(version).append(' ').append(status).append(' ').append(reason);
        for (Map.Entry<String, String> field : fields) {
            text.append("\n").append(field.getKey()).append(": ").append(field.getValue());
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return head() + "\n(" + framing + ", " + body.length + " body bytes)";
    }
}
