package dev.ferry.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A WebSocket client on a plain socket, for the conformance tier: it writes the handshake and masked
 * frames byte by byte, and reads the server's answer and frames as they come, so a test sees exactly
 * what the server sent.
 */
final class RawWebSocket implements Closeable {

    static final int CONTINUATION = 0, TEXT = 1, BINARY = 2, CLOSE = 8, PING = 9, PONG = 10;

    /** A frame from the server; {@code rsv1} marks a compressed message (permessage-deflate). */
    record Frame(boolean fin, boolean rsv1, int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode() {
            return payload.length < 2 ? 1005 : (payload[0] & 0xFF) << 8 | payload[1] & 0xFF;
        }

        String closeReason() {
            return payload.length < 2 ? "" : new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "Frame[opcode=" + opcode + ", fin=" + fin + (rsv1 ? ", rsv1" : "") + ", " + payload.length + " bytes"
                    + (opcode == CLOSE ? ", code " + closeCode() + " '" + closeReason() + "'" : "") + "]";
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private ByteArrayOutputStream held;
    final String key;
    /** The status of the handshake's answer. */
    int status;
    /** The answer's head, the status line and fields as sent. */
    String head;
    /** The answer's body, when it was not an upgrade and had a Content-Length. */
    String body = "";

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(5000);
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        this.key = Base64.getEncoder().encodeToString(nonce);
    }

    /** Connects and sends the handshake for the target with these extra fields; the answer is read. */
    static RawWebSocket open(int port, String target, String... fields) throws IOException {
        StringBuilder request = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1:").append(port)
                .append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n");
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        RawWebSocket ws = new RawWebSocket(socket);
        request.append("Sec-WebSocket-Key: ").append(ws.key).append("\r\n");
        for (String field : fields) {
            request.append(field).append("\r\n");
        }
        ws.out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        ws.out.flush();
        ws.readAnswer();
        return ws;
    }

    /** Connects and sends this request as it is; the answer is read. */
    static RawWebSocket request(int port, String request) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        RawWebSocket ws = new RawWebSocket(socket);
        ws.out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        ws.out.flush();
        ws.readAnswer();
        return ws;
    }

    private void readAnswer() throws IOException {
        StringBuilder text = new StringBuilder();
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = line();
            if (line.isEmpty()) {
                break;
            }
            lines.add(line);
            text.append(line).append("\r\n");
        }
        head = text.toString();
        status = Integer.parseInt(lines.get(0).split(" ")[1]);
        String length = header("Content-Length");
        if (status != 101 && length != null) {
            byte[] content = in.readNBytes(Integer.parseInt(length.strip()));
            body = new String(content, StandardCharsets.UTF_8);
        }
    }

    /** Returns the first value of the answer's field, or null. */
    String header(String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                return line.substring(colon + 1).strip();
            }
        }
        return null;
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new EOFException("the connection ended inside the answer's head: " + line);
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    /** Sends one masked frame. */
    /** Writes these bytes as they are. */
    void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    RawWebSocket send(boolean fin, int opcode, byte[] payload) throws IOException {
        return frame((fin ? 0x80 : 0) | opcode, true, payload);
    }

    /** Sends one frame with this first byte (FIN, RSV bits, opcode), masked or not: also frames no client may send. */
    RawWebSocket frame(int first, boolean masked, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(first);
        int maskBit = masked ? 0x80 : 0;
        if (payload.length < 126) {
            frame.write(maskBit | payload.length);
        } else if (payload.length < 65536) {
            frame.write(maskBit | 126);
            frame.write(payload.length >> 8);
            frame.write(payload.length);
        } else {
            frame.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >> shift));
            }
        }
        byte[] mask = new byte[4];
        if (masked) {
            ThreadLocalRandom.current().nextBytes(mask);
            frame.write(mask);
        }
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        if (held != null) {
            held.writeBytes(frame.toByteArray());
        } else {
            out.write(frame.toByteArray());
            out.flush();
        }
        return this;
    }

    /** Holds the frames sent from now on, so that {@link #release()} writes them in one go. */
    RawWebSocket hold() {
        held = new ByteArrayOutputStream();
        return this;
    }

    /** Writes the frames held since {@link #hold()} with one write, so that the server reads them together. */
    RawWebSocket release() throws IOException {
        byte[] frames = held.toByteArray();
        held = null;
        out.write(frames);
        out.flush();
        return this;
    }

    RawWebSocket text(String text) throws IOException {
        return send(true, TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    RawWebSocket close(int code, String reason) throws IOException {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[2 + text.length];
        payload[0] = (byte) (code >> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, text.length);
        return send(true, CLOSE, payload);
    }

    /** Reads the next frame, waiting up to the timeout. */
    Frame read(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        int first = in.read();
        if (first < 0) {
            throw new EOFException("the server closed the connection");
        }
        int second = in.read();
        if (second < 0) {
            throw new EOFException("the server closed the connection inside a frame");
        }
        if ((second & 0x80) != 0) {
            byte[] next = new byte[24];
            int n = in.readNBytes(next, 0, next.length);
            throw new IOException(String.format("a server's frame is never masked: %02x %02x, then %s", first, second,
                    java.util.HexFormat.ofDelimiter(" ").formatHex(next, 0, n)));
        }
        if ((first & 0x70) != 0 && ((first & 0x70) != 0x40 || !deflated())) {
            throw new IOException("a server's frame with RSV bits set that no agreed extension uses");
        }
        long length = second & 0x7F;
        if (length == 126) {
            length = (in.read() << 8) | in.read();
        } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = length << 8 | in.read();
            }
        }
        byte[] payload = in.readNBytes((int) length);
        if (payload.length < length) {
            throw new EOFException("the server closed the connection inside a frame");
        }
        return new Frame((first & 0x80) != 0, (first & 0x40) != 0, first & 0x0F, payload);
    }

    Frame read() throws IOException {
        return read(Duration.ofSeconds(5));
    }

    /** Returns whether the handshake's answer agreed to permessage-deflate. */
    boolean deflated() {
        String extensions = header("Sec-WebSocket-Extensions");
        return extensions != null && extensions.startsWith("permessage-deflate");
    }

    /** Sends a message compressed with the client's compressor as one frame with RSV1 (RFC 7692). */
    RawWebSocket compressed(int opcode, byte[] message, Deflater deflater) throws IOException {
        return frame(0x80 | 0x40 | opcode, true, deflate(deflater, message));
    }

    /** Returns a message's compressed bytes, without the empty block's last four bytes (RFC 7692, section 7.2.1). */
    static byte[] deflate(Deflater deflater, byte[] message) {
        deflater.setInput(message);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        do {
            n = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH);
            out.write(buffer, 0, n);
        } while (n == buffer.length);
        byte[] all = out.toByteArray();
        return java.util.Arrays.copyOf(all, all.length - 4);
    }

    /** Returns the bytes of a compressed message from the server, inflated with this inflater (kept between messages or not). */
    static byte[] inflate(Inflater inflater, byte[] payload) throws IOException {
        byte[] input = java.util.Arrays.copyOf(payload, payload.length + 4);
        input[payload.length + 2] = (byte) 0xFF;
        input[payload.length + 3] = (byte) 0xFF;
        inflater.setInput(input);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = inflater.inflate(buffer)) > 0 || !inflater.needsInput()) {
                out.write(buffer, 0, n);
                if (n == 0 && (inflater.finished() || inflater.needsDictionary())) {
                    break;
                }
            }
        } catch (DataFormatException e) {
            throw new IOException("the server's compressed message does not inflate: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    /** Returns whether the server closed the connection within the limit, after what it sent before. */
    boolean closedWithin(Duration limit) throws IOException {
        socket.setSoTimeout((int) limit.toMillis());
        try {
            while (in.read() >= 0) {
                // what the server sent before closing
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("reset");
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
