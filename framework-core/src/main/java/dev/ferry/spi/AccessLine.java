package dev.ferry.spi;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The one format of the access log, the same on every server:
 * {@code CLIENT METHOD TARGET STATUS BYTES MILLISms}, then {@code cut} when the connection was cut
 * instead of the response ending, for example {@code 127.0.0.1 GET /hello?x=1 200 13 0.412ms}. What
 * the client chose (method and target) has spaces, backslashes and control characters escaped as
 * {@code \xHH}, so that a request can neither add a field nor start a line of its own.
 */
final class AccessLine {

    private AccessLine() {
    }

    static String format(InetSocketAddress client, String method, String target, int status, long bytes, long nanos,
                         boolean cut) {
        StringBuilder line = new StringBuilder(target == null ? 48 : 48 + target.length());
        InetAddress address = client == null ? null : client.getAddress();
        line.append(address != null ? address.getHostAddress() : client == null ? "-" : escape(client.getHostString()));
        line.append(' ');
        appendEscaped(line, method);
        line.append(' ');
        appendEscaped(line, target);
        line.append(' ').append(status).append(' ').append(bytes).append(' ');
        long micros = Math.max(0, nanos / 1000);
        line.append(micros / 1000).append('.');
        long fraction = micros % 1000;
        if (fraction < 100) {
            line.append('0');
        }
        if (fraction < 10) {
            line.append('0');
        }
        line.append(fraction).append("ms");
        if (cut) {
            line.append(" cut");
        }
        return line.toString();
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        appendEscaped(out, text);
        return out.toString();
    }

    private static void appendEscaped(StringBuilder out, String text) {
        if (text == null || text.isEmpty()) {
            out.append('-');
            return;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= 0x20 || c == '\\' || c >= 0x7F && c <= 0x9F) {
                out.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
            } else if (c > 0xFF) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
    }
}
