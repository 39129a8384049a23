package dev.ferry.netty.internal;

import dev.ferry.Headers;
import dev.ferry.Status;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes the status line and header fields of a response straight into bytes, once, instead of
 * copying them into Netty's header map to be encoded from there. Names must be tokens and values
 * must hold no CR, LF or other control character (HTAB aside), so no app can split a response.
 * One per connection, used on its event loop only.
 */
final class HeadWriter {

    private static final byte[][] STATUS_LINES = new byte[1000][];
    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    private byte[] bytes = new byte[512];
    private int size;

    /** Starts a head with the status line. */
    HeadWriter start(Status status) {
        size = 0;
        byte[] line = statusLine(status);
        ensure(line.length);
        System.arraycopy(line, 0, bytes, 0, line.length);
        size = line.length;
        return this;
    }

    /** Adds the app's fields, leaving out {@code Connection} when the server sets its own. */
    HeadWriter fields(Headers headers, boolean skipConnection) {
        headers.forEach((name, value) -> {
            if (!(skipConnection && name.equalsIgnoreCase("Connection"))) {
                field(name, value);
            }
        });
        return this;
    }

    /** Adds one field after checking it. */
    HeadWriter field(String name, CharSequence value) {
        int n = name.length();
        int v = value.length();
        ensure(n + v + 4);
        if (n == 0) {
            throw new IllegalArgumentException("an empty header name");
        }
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (c >= 128 || !TOKEN[c]) {
                throw new IllegalArgumentException("not a header name: " + name);
            }
            bytes[size++] = (byte) c;
        }
        bytes[size++] = ':';
        bytes[size++] = ' ';
        for (int i = 0; i < v; i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7F || c > 0xFF) {
                throw new IllegalArgumentException("a control or non-Latin-1 character in the value of " + name);
            }
            bytes[size++] = (byte) c;
        }
        bytes[size++] = '\r';
        bytes[size++] = '\n';
        return this;
    }

    /** Adds a field whose line is already encoded, CRLF included. */
    HeadWriter line(byte[] line) {
        ensure(line.length);
        System.arraycopy(line, 0, bytes, size, line.length);
        size += line.length;
        return this;
    }

    /** Adds {@code Content-Length}. */
    HeadWriter contentLength(long length) {
        ensure(40);
        for (byte b : CONTENT_LENGTH) {
            bytes[size++] = b;
        }
        if (length == 0) {
            bytes[size++] = '0';
        } else {
            int digits = 0;
            for (long rest = length; rest > 0; rest /= 10) {
                digits++;
            }
            int at = size + digits;
            for (long rest = length; rest > 0; rest /= 10) {
                bytes[--at] = (byte) ('0' + rest % 10);
            }
            size += digits;
        }
        bytes[size++] = '\r';
        bytes[size++] = '\n';
        return this;
    }

    /** Ends the head with the empty line. */
    HeadWriter end() {
        ensure(2);
        bytes[size++] = '\r';
        bytes[size++] = '\n';
        return this;
    }

    byte[] bytes() {
        return bytes;
    }

    int size() {
        return size;
    }

    private static final byte[] CONTENT_LENGTH = "Content-Length: ".getBytes(StandardCharsets.US_ASCII);

    static final byte[] CONNECTION_CLOSE = "Connection: close\r\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CONNECTION_KEEP_ALIVE = "Connection: keep-alive\r\n".getBytes(StandardCharsets.US_ASCII);

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }

    private static byte[] statusLine(Status status) {
        int code = status.code();
        byte[] cached = code >= 0 && code < STATUS_LINES.length ? STATUS_LINES[code] : null;
        if (cached != null && matches(cached, status)) {
            return cached;
        }
        String reason = status.reason();
        StringBuilder line = new StringBuilder(32).append("HTTP/1.1 ").append(code).append(' ');
        for (int i = 0; i < reason.length(); i++) {
            char c = reason.charAt(i);
            line.append(c < 0x20 || c == 0x7F || c > 0xFF ? ' ' : c);
        }
        byte[] made = line.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        if (code >= 0 && code < STATUS_LINES.length) {
            STATUS_LINES[code] = made;
        }
        return made;
    }

    private static boolean matches(byte[] line, Status status) {
        String reason = status.reason();
        int at = 13; // "HTTP/1.1 200 "
        if (line.length != at + reason.length() + 2) {
            return false;
        }
        for (int i = 0; i < reason.length(); i++) {
            if (line[at + i] != (byte) reason.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
