package dev.ferry.spi;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * The status line and header fields of a response exactly as the {@link Engine} decided them: the
 * app's fields, checked and with the names as the app wrote them, then {@code Date}, {@code Connection}
 * when the connection closes (or an HTTP/1.0 one stays open) and the framing: {@code Content-Length},
 * {@code Transfer-Encoding: chunked}, or neither for a body that runs until the connection closes.
 * A server writes it as told: it adds no field, drops none and frames the body as {@link #framing()}
 * says. One whose own API sets some of these fields itself (the length, the date) reads
 * {@link #forEachAppField} and the framing facts instead of {@link #forEach}.
 */
public final class ResponseHead {

    /** How the body that follows the head is delimited. */
    public enum Framing {
        /** No body follows: HEAD, 1xx, 204 and 304 (a HEAD answer may still carry a Content-Length). */
        NONE,
        /** Exactly {@link #contentLength()} bytes follow. */
        LENGTH,
        /** The body is sent in chunks and ends with a last chunk; on HTTP/2, in DATA frames until the stream ends. */
        CHUNKED,
        /** The body ends when the connection closes (HTTP/1.0, length unknown). */
        UNTIL_CLOSE
    }

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] SEPARATOR = {':', ' '};

    private final int status;
    private final String reason;
    private final String[] appFields;
    private final int appSize;
    private final String date;
    private final String connection;
    private final Framing framing;
    private final long contentLength;
    private final boolean http2;

    ResponseHead(int status, String reason, String[] appFields, int appSize, String date, String connection,
                 Framing framing, long contentLength) {
        this(status, reason, appFields, appSize, date, connection, framing, contentLength, false);
    }

    ResponseHead(int status, String reason, String[] appFields, int appSize, String date, String connection,
                 Framing framing, long contentLength, boolean http2) {
        this.http2 = http2;
        this.status = status;
        this.reason = reason;
        this.appFields = appFields;
        this.appSize = appSize;
        this.date = date;
        this.connection = connection;
        this.framing = framing;
        this.contentLength = contentLength;
    }

    /**
     * Returns whether the head goes on an HTTP/2 stream: it then has no {@code Connection} field,
     * {@link #closes()} is false, and a {@link Framing#CHUNKED} body is sent as DATA frames without
     * {@code Transfer-Encoding}.
     */
    public boolean http2() {
        return http2;
    }

    /** Returns the status code. */
    public int status() {
        return status;
    }

    /** Returns the reason phrase. */
    public String reason() {
        return reason;
    }

    /** Returns how the body is delimited. */
    public Framing framing() {
        return framing;
    }

    /** Returns the value of {@code Content-Length}, or -1 when the head has none. */
    public long contentLength() {
        return contentLength;
    }

    /** Returns whether the connection closes after this response; the head then says {@code Connection: close}. */
    public boolean closes() {
        return "close".equals(connection);
    }

    /** Returns the value of the {@code Connection} field, {@code close} or {@code keep-alive}, or null when there is none. */
    public String connection() {
        return connection;
    }

    /** Returns the value of the {@code Date} field. */
    public String date() {
        return date;
    }

    /** Passes the app's fields, in order, without the ones the engine sets. */
    public void forEachAppField(BiConsumer<String, String> action) {
        for (int i = 0; i < appSize; i += 2) {
            action.accept(appFields[i], appFields[i + 1]);
        }
    }

    /** Passes every field of the head, in the order they go on the wire. */
    public void forEach(BiConsumer<String, String> action) {
        forEachAppField(action);
        action.accept("Date", date);
        if (connection != null) {
            action.accept("Connection", connection);
        }
        if (contentLength >= 0) {
            action.accept("Content-Length", Long.toString(contentLength));
        } else if (framing == Framing.CHUNKED && !http2) {
            action.accept("Transfer-Encoding", "chunked");
        }
    }

    /** Returns the whole head as HTTP/1.1 bytes: status line, fields and the empty line. */
    public byte[] encode() {
        Encoder out = new Encoder();
        out.ascii("HTTP/1.1 ").ascii(Integer.toString(status)).bytes(new byte[] {' '}).ascii(reason).bytes(CRLF);
        forEach((name, value) -> out.ascii(name).bytes(SEPARATOR).ascii(value).bytes(CRLF));
        return out.bytes(CRLF).result();
    }

    @Override
    public String toString() {
        return new String(encode(), StandardCharsets.ISO_8859_1);
    }

    /** Latin-1 encoding into a growing array; every character was checked to be one octet. */
    private static final class Encoder {
        private byte[] bytes = new byte[256];
        private int size;

        Encoder ascii(String text) {
            ensure(text.length());
            for (int i = 0; i < text.length(); i++) {
                bytes[size++] = (byte) text.charAt(i);
            }
            return this;
        }

        Encoder bytes(byte[] more) {
            ensure(more.length);
            System.arraycopy(more, 0, bytes, size, more.length);
            size += more.length;
            return this;
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }

        byte[] result() {
            return Arrays.copyOf(bytes, size);
        }
    }
}
