package dev.ferry.testkit;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A blocking HTTP/1.x client over a plain socket that sends exactly the bytes it is given and reads
 * responses exactly as they arrive: for malformed framing, pipelining, slow writes, half-closed and
 * reset connections. Every read is bounded by a timeout (5 seconds unless changed).
 *
 * <pre>{@code
 * try (RawClient client = RawClient.connect(port)) {
 *     client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
 *     RawResponse response = client.read();
 * }
 * }</pre>
 */
public final class RawClient implements AutoCloseable {

    private static final int MAX_LINE = 64 * 1024;
    private static final int MAX_BODY = 64 * 1024 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private Duration timeout = Duration.ofSeconds(5);
    private byte[] discarded = new byte[0];

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new java.io.BufferedInputStream(socket.getInputStream(), 16 * 1024);
        this.out = socket.getOutputStream();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) timeout.toMillis());
    }

    /** Connects to 127.0.0.1 on this port. */
    public static RawClient connect(int port) throws IOException {
        return connect("127.0.0.1", port);
    }

    /** Connects to the host and port, failing after 5 seconds. */
    public static RawClient connect(String host, int port) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), 5000);
            return new RawClient(socket);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Returns a client over a socket already connected, such as an {@link javax.net.ssl.SSLSocket}; a TLS
     * connection's close without {@code close_notify} counts as a close.
     */
    public static RawClient over(Socket socket) throws IOException {
        return new RawClient(socket);
    }

    /** Sets how long each read may wait for data; returns this client. */
    public RawClient timeout(Duration timeout) throws IOException {
        this.timeout = timeout;
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        return this;
    }

    /** Returns the local port of the connection, which the server sees as the client's port. */
    public int localPort() {
        return socket.getLocalPort();
    }

    /** Sends this text as ISO-8859-1 bytes, one octet per character; returns this client. */
    public RawClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends {@code GET path HTTP/1.1} with a Host header and reads the response. */
    public RawResponse get(String path) throws IOException {
        return send("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n").read();
    }

    /** Sends these bytes at once; returns this client. */
    public RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /**
     * Sends the text {@code step} bytes at a time with a pause after each write, as a slow client
     * would; returns how many bytes were written before the server closed the connection, or all of
     * them.
     */
    public int sendSlowly(String text, int step, Duration pause) throws InterruptedException {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        int sent = 0;
        try {
            while (sent < bytes.length) {
                int n = Math.min(step, bytes.length - sent);
                out.write(bytes, sent, n);
                out.flush();
                sent += n;
                if (sent < bytes.length) {
                    Thread.sleep(pause);
                }
            }
        } catch (IOException e) {
            return sent;
        }
        return sent;
    }

    /** Closes the sending half of the connection (the server reads end of stream); reading still works. */
    public void halfClose() throws IOException {
        socket.shutdownOutput();
    }

    /** Aborts the connection with a TCP reset instead of an orderly close. */
    public void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /** Reads the next response, interim (1xx) ones included, for a request that was not HEAD. */
    public RawResponse read() throws IOException {
        return read(false);
    }

    /** Reads the next response to a HEAD request: no body follows its headers. */
    public RawResponse readHead() throws IOException {
        return read(true);
    }

    /** Reads the next final (non-1xx) response, skipping interim ones. */
    public RawResponse readFinal() throws IOException {
        RawResponse response;
        do {
            response = read(false);
        } while (response.interim());
        return response;
    }

    /**
     * Reads the next response.
     *
     * @param head whether the request was HEAD, so no body follows
     * @throws EOFException when the connection closes before a whole response arrived
     * @throws SocketTimeoutException when no data arrives in time
     * @throws ProtocolException when the response is not well-formed HTTP/1.x
     */
    public RawResponse read(boolean head) throws IOException {
        String statusLine = line(true);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || parts[1].length() != 3) {
            throw new ProtocolException("not a status line: " + printable(statusLine));
        }
        int status;
        try {
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new ProtocolException("not a status line: " + printable(statusLine));
        }
        String reason = parts.length == 3 ? parts[2] : "";
        List<Map.Entry<String, String>> fields = fields();
        RawResponse.Framing framing;
        byte[] body;
        List<Map.Entry<String, String>> trailers = List.of();
        String transferEncoding = value(fields, "Transfer-Encoding");
        String contentLength = value(fields, "Content-Length");
        if (head || status < 200 || status == 204 || status == 304) {
            framing = RawResponse.Framing.NONE;
            body = new byte[0];
        } else if (transferEncoding != null) {
            if (!transferEncoding.trim().toLowerCase(Locale.ROOT).endsWith("chunked")) {
                throw new ProtocolException("unsupported Transfer-Encoding: " + transferEncoding);
            }
            framing = RawResponse.Framing.CHUNKED;
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = line(false);
                int semicolon = sizeLine.indexOf(';');
                String hex = (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim();
                int size;
                try {
                    size = Integer.parseInt(hex, 16);
                } catch (NumberFormatException e) {
                    throw new ProtocolException("bad chunk size: " + printable(sizeLine));
                }
                if (size == 0) {
                    trailers = fields();
                    break;
                }
                if (content.size() + size > MAX_BODY) {
                    throw new ProtocolException("body larger than " + MAX_BODY);
                }
                content.write(exactly(size));
                if (!line(false).isEmpty()) {
                    throw new ProtocolException("chunk data longer than its size");
                }
            }
            body = content.toByteArray();
        } else if (contentLength != null) {
            framing = RawResponse.Framing.CONTENT_LENGTH;
            long length;
            try {
                length = Long.parseLong(contentLength.trim());
            } catch (NumberFormatException e) {
                throw new ProtocolException("bad Content-Length: " + contentLength);
            }
            if (length < 0 || length > MAX_BODY) {
                throw new ProtocolException("unusable Content-Length: " + contentLength);
            }
            body = exactly((int) length);
        } else {
            framing = RawResponse.Framing.CLOSE;
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                content.write(buffer, 0, n);
                if (content.size() > MAX_BODY) {
                    throw new ProtocolException("body larger than " + MAX_BODY);
                }
            }
            body = content.toByteArray();
        }
        return new RawResponse(parts[0], status, reason, fields, body, framing, trailers);
    }

    /**
     * Reads only the status line and headers of the next response, leaving its body unread so that it
     * can be read piece by piece with {@link #readChunk()}; the returned body is empty.
     */
    public RawResponse readHeaders() throws IOException {
        String statusLine = line(true);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new ProtocolException("not a status line: " + printable(statusLine));
        }
        List<Map.Entry<String, String>> fields = fields();
        String transferEncoding = value(fields, "Transfer-Encoding");
        RawResponse.Framing framing = transferEncoding != null ? RawResponse.Framing.CHUNKED
                : value(fields, "Content-Length") != null ? RawResponse.Framing.CONTENT_LENGTH : RawResponse.Framing.CLOSE;
        return new RawResponse(parts[0], Integer.parseInt(parts[1]), parts.length == 3 ? parts[2] : "", fields,
                new byte[0], framing, List.of());
    }

    /**
     * Reads the next chunk of a chunked body whose headers were read with {@link #readHeaders()};
     * returns an empty array for the last chunk, after which the trailers have been consumed.
     */
    public byte[] readChunk() throws IOException {
        String sizeLine = line(false);
        int semicolon = sizeLine.indexOf(';');
        int size;
        try {
            size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
        } catch (NumberFormatException e) {
            throw new ProtocolException("bad chunk size: " + printable(sizeLine));
        }
        if (size == 0) {
            fields();
            return new byte[0];
        }
        byte[] data = exactly(size);
        if (!line(false).isEmpty()) {
            throw new ProtocolException("chunk data longer than its size");
        }
        return data;
    }

    /**
     * Waits up to {@code limit} for the server to close the connection (end of stream or reset) and
     * returns whether it did. Bytes that arrive meanwhile are kept in {@link #discarded()}.
     */
    public boolean closedWithin(Duration limit) throws IOException {
        return closedWithin(limit, false);
    }

    /**
     * Like {@link #closedWithin(Duration)}, but returns false at once when any byte arrives before the
     * close: for connections on which the server must send nothing more.
     */
    public boolean closedSilentlyWithin(Duration limit) throws IOException {
        return closedWithin(limit, true);
    }

    private boolean closedWithin(Duration limit, boolean silent) throws IOException {
        long deadline = System.nanoTime() + limit.toNanos();
        ByteArrayOutputStream extra = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
                int n;
                try {
                    n = in.read(buffer);
                } catch (SocketTimeoutException e) {
                    return false;
                } catch (SocketException | javax.net.ssl.SSLException e) {
                    return true;
                }
                if (n < 0) {
                    return true;
                }
                extra.write(buffer, 0, n);
                if (silent) {
                    return false;
                }
            }
        } finally {
            discarded = extra.toByteArray();
            if (!socket.isClosed()) {
                socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            }
        }
    }

    /** Returns the bytes that arrived during the last {@link #closedWithin} call. */
    public byte[] discarded() {
        return discarded.clone();
    }

    /**
     * Returns whether the connection is still open after {@code wait}: no end of stream, no reset and
     * no data arrived.
     */
    public boolean openAfter(Duration wait) throws IOException {
        return !closedWithin(wait) && discarded.length == 0;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private List<Map.Entry<String, String>> fields() throws IOException {
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        while (true) {
            String line = line(false);
            if (line.isEmpty()) {
                return fields;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t' || line.charAt(colon - 1) == ' ') {
                throw new ProtocolException("malformed header field: " + printable(line));
            }
            fields.add(new AbstractMap.SimpleImmutableEntry<>(line.substring(0, colon), line.substring(colon + 1).trim()));
        }
    }

    private static String value(List<Map.Entry<String, String>> fields, String name) {
        String found = null;
        for (Map.Entry<String, String> field : fields) {
            if (field.getKey().equalsIgnoreCase(name)) {
                found = found == null ? field.getValue() : found + ", " + field.getValue();
            }
        }
        return found;
    }

    /** Reads one CRLF-terminated line; a bare LF or CR in a response is a protocol error. */
    private String line(boolean first) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (first && line.isEmpty()) {
                    throw new EOFException("the server closed the connection before sending a response");
                }
                throw new EOFException("the connection closed inside a response, after: " + printable(line.toString()));
            }
            if (b == '\r') {
                int next = in.read();
                if (next != '\n') {
                    throw new ProtocolException("bare CR in response after: " + printable(line.toString()));
                }
                return line.toString();
            }
            if (b == '\n') {
                throw new ProtocolException("bare LF in response after: " + printable(line.toString()));
            }
            if (line.length() >= MAX_LINE) {
                throw new ProtocolException("response line longer than " + MAX_LINE);
            }
            line.append((char) b);
        }
    }

    private byte[] exactly(int length) throws IOException {
        byte[] bytes = in.readNBytes(length);
        if (bytes.length < length) {
            throw new EOFException("the connection closed after " + bytes.length + " of " + length + " body bytes");
        }
        return bytes;
    }

    private static String printable(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c < 0x20 || c >= 0x7F) {
                out.append(String.format("\\x%02X", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
