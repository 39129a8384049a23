package dev.ferry.testkit.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one server sent back for one case: every byte until it closed the connection, split into
 * responses. The case is sent with the probe behind it and the sending half closed at once, so every
 * server reaches end of input and closes: no case waits for a timeout unless a server hangs.
 */
final class Observation {

    /** How the connection ended. */
    enum End { CLOSED, RESET, TIMEOUT, REFUSED }

    /** One response: its status, and what the app saw if the app wrote it. */
    record Reply(int status, String saw) {
    }

    private final String raw;
    private final End end;
    private final Duration timeout;
    private final List<Reply> replies = new ArrayList<>();
    private String trouble = "";
    private String troubleDetail = "";

    private Observation(String raw, End end, Duration timeout) {
        this.raw = raw;
        this.end = end;
        this.timeout = timeout;
        parse();
    }

    /** Sends the bytes on a new connection, closes the sending half and reads until the server closes or the timeout passes. */
    static Observation exchange(int port, byte[] bytes, Duration timeout) {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        End end;
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            try {
                socket.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
            } catch (IOException e) {
                return new Observation("", End.REFUSED, timeout);
            }
            try {
                OutputStream out = socket.getOutputStream();
                out.write(bytes);
                out.flush();
                socket.shutdownOutput();
            } catch (IOException e) {
                // the server closed early; what it sent before is still to be read
            }
            end = read(socket, received, System.nanoTime() + timeout.toNanos());
        } catch (IOException e) {
            end = End.RESET;
        }
        return new Observation(received.toString(StandardCharsets.ISO_8859_1), end, timeout);
    }

    private static End read(Socket socket, ByteArrayOutputStream received, long deadline) {
        byte[] buffer = new byte[8192];
        try {
            InputStream in = socket.getInputStream();
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return End.TIMEOUT;
                }
                socket.setSoTimeout((int) left);
                int n;
                try {
                    n = in.read(buffer);
                } catch (SocketTimeoutException e) {
                    return End.TIMEOUT;
                }
                if (n < 0) {
                    return End.CLOSED;
                }
                received.write(buffer, 0, n);
            }
        } catch (IOException e) {
            return End.RESET;
        }
    }

    /** Parses what was received as the text of one server's answer, for tests and replays. */
    static Observation of(String raw, End end) {
        return new Observation(raw, end, Duration.ZERO);
    }

    List<Reply> replies() {
        return replies;
    }

    End end() {
        return end;
    }

    /**
     * Returns what is compared between servers: each response's status class (or code) and what the
     * app saw, then whether the server closed; not headers, reasons or error bodies.
     */
    String key(boolean exactStatus) {
        StringBuilder key = new StringBuilder();
        for (Reply reply : replies) {
            key.append(exactStatus ? Integer.toString(reply.status()) : reply.status() / 100 + "xx");
            if (reply.saw() != null) {
                key.append('[').append(reply.saw().equals(Fuzzer.PROBE_SAW) ? "probe" : reply.saw()).append(']');
            }
            key.append(' ');
        }
        if (replies.isEmpty()) {
            key.append("no response ");
        }
        if (!trouble.isEmpty()) {
            key.append("+ ").append(trouble).append(' ');
        }
        key.append(end == End.TIMEOUT ? "| still open" : end == End.REFUSED ? "| refused" : "| closed");
        return key.toString();
    }

    /** Returns the answer for a report: exact statuses, what the app saw, how it ended. */
    String text() {
        StringBuilder text = new StringBuilder();
        for (Reply reply : replies) {
            text.append(reply.status());
            if (reply.saw() != null) {
                text.append(" app saw [").append(reply.saw().equals(Fuzzer.PROBE_SAW) ? "the probe" : reply.saw()).append(']');
            } else {
                text.append(" from the server");
            }
            text.append("; ");
        }
        if (replies.isEmpty()) {
            text.append("no response; ");
        }
        if (!trouble.isEmpty()) {
            text.append(trouble).append(": ").append(troubleDetail).append("; ");
        }
        text.append(switch (end) {
            case CLOSED -> "then closed";
            case RESET -> "then reset";
            case TIMEOUT -> "still open after " + timeout.toMillis() + " ms";
            case REFUSED -> "connection refused";
        });
        return text.toString();
    }

    private void parse() {
        int at = 0;
        while (at < raw.length()) {
            int headEnd = raw.indexOf("\r\n\r\n", at);
            if (!raw.startsWith("HTTP/1.", at) || headEnd < 0) {
                trouble(raw.startsWith("HTTP/1.", at) ? "incomplete head" : "not a response", at);
                return;
            }
            String[] lines = raw.substring(at, headEnd).split("\r\n", -1);
            int status;
            try {
                status = Integer.parseInt(lines[0].substring(9, 12));
            } catch (RuntimeException e) {
                trouble("bad status line", at);
                return;
            }
            String saw = null;
            String coding = null;
            long length = -1;
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon <= 0) {
                    trouble("bad header line", at);
                    return;
                }
                String name = lines[i].substring(0, colon).toLowerCase(Locale.ROOT);
                String value = lines[i].substring(colon + 1).strip();
                switch (name) {
                    case "x-fuzz" -> saw = value;
                    case "transfer-encoding" -> coding = value.toLowerCase(Locale.ROOT);
                    case "content-length" -> {
                        try {
                            length = Long.parseLong(value);
                        } catch (NumberFormatException e) {
                            trouble("bad Content-Length", at);
                            return;
                        }
                    }
                    default -> { }
                }
            }
            replies.add(new Reply(status, saw));
            at = headEnd + 4;
            boolean bodiless = status < 200 || status == 204 || status == 304
                    // an answer to HEAD: its head declares a body that does not follow
                    || at == raw.length() || raw.startsWith("HTTP/1.", at);
            if (bodiless) {
                continue;
            }
            if (coding != null && coding.endsWith("chunked")) {
                int after = dechunk(at);
                if (after < 0) {
                    trouble("bad chunked body", at);
                    return;
                }
                at = after;
            } else if (length >= 0) {
                if (raw.length() - at < length) {
                    trouble("truncated body", at);
                    return;
                }
                at += (int) length;
            } else {
                at = raw.length();
            }
        }
    }

    /** Returns the index after a chunked body starting at {@code at}, or -1. */
    private int dechunk(int at) {
        while (true) {
            int lineEnd = raw.indexOf("\r\n", at);
            if (lineEnd < 0) {
                return -1;
            }
            String line = raw.substring(at, lineEnd);
            int semicolon = line.indexOf(';');
            int size;
            try {
                size = Integer.parseInt((semicolon < 0 ? line : line.substring(0, semicolon)).strip(), 16);
            } catch (NumberFormatException e) {
                return -1;
            }
            at = lineEnd + 2;
            if (size == 0) {
                int end = raw.indexOf("\r\n\r\n", at - 2);
                return end < 0 ? -1 : end + 4;
            }
            if (raw.length() < at + size + 2 || !raw.startsWith("\r\n", at + size)) {
                return -1;
            }
            at += size + 2;
        }
    }

    private void trouble(String what, int at) {
        trouble = what;
        troubleDetail = Text.brief(raw.substring(at), 120);
    }
}
