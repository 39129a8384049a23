package dev.ferry.testkit;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A raw HTTP/2 client for hostile tests (RFC 9113): it writes the preface and exact frames, and reads frames one by
 * one, each read under a timeout. Header blocks go out as HPACK literals without indexing and without Huffman coding;
 * answers are decoded with the static table only (the client's SETTINGS sets the dynamic table to 0 bytes) and a
 * Huffman decoder that knows the codes of up to 8 bits (letters, digits and common punctuation): a value that uses a
 * longer code reads as {@code null}. It answers the server's SETTINGS and PING as a client must, and opens its
 * receive windows wide so a response never waits for a WINDOW_UPDATE.
 */
final class RawH2 implements Closeable {

    static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7, WINDOW_UPDATE = 8,
            CONTINUATION = 9;
    static final int END_STREAM = 1, ACK = 1, END_HEADERS = 4, PADDED = 8, PRIORITY = 0x20;
    static final int NO_ERROR = 0, PROTOCOL_ERROR = 1, REFUSED_STREAM = 7, ENHANCE_YOUR_CALM = 0xb;
    static final int SETTINGS_HEADER_TABLE_SIZE = 1, SETTINGS_ENABLE_PUSH = 2, SETTINGS_MAX_CONCURRENT_STREAMS = 3,
            SETTINGS_INITIAL_WINDOW_SIZE = 4, SETTINGS_MAX_FRAME_SIZE = 5, SETTINGS_MAX_HEADER_LIST_SIZE = 6;
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    private static final int WINDOW = 1 << 30;

    /** One frame as received. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        boolean has(int flag) {
            return (flags & flag) != 0;
        }

        /** The error code of a RST_STREAM or GOAWAY frame. */
        int errorCode() {
            return ByteBuffer.wrap(payload, type == GOAWAY ? 4 : 0, 4).getInt();
        }

        /** The last stream id of a GOAWAY frame. */
        int lastStream() {
            return ByteBuffer.wrap(payload, 0, 4).getInt() & 0x7FFFFFFF;
        }

        /** The parameters of a SETTINGS frame, by identifier. */
        Map<Integer, Long> settings() {
            Map<Integer, Long> settings = new LinkedHashMap<>();
            ByteBuffer buffer = ByteBuffer.wrap(payload);
            while (buffer.remaining() >= 6) {
                settings.put(buffer.getShort() & 0xFFFF, buffer.getInt() & 0xFFFFFFFFL);
            }
            return settings;
        }

        @Override
        public String toString() {
            String[] names = {"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY",
                    "WINDOW_UPDATE", "CONTINUATION"};
            String name = type < names.length ? names[type] : "type " + type;
            String detail = type == RST_STREAM ? " error " + errorCode()
                    : type == GOAWAY ? " last " + lastStream() + " error " + errorCode() + " "
                    + new String(payload, 8, payload.length - 8, StandardCharsets.ISO_8859_1)
                    : " " + payload.length + " bytes";
            return name + " stream " + stream + " flags 0x" + Integer.toHexString(flags) + detail;
        }
    }

    /** What came on one stream: the final head, its body, and how the stream ended. */
    record Reply(int status, List<Map.Entry<String, String>> headers, byte[] body, int dataFrames, int reset, Frame goAway,
                 boolean ended) {
        /** Returns the first value of this field (names are lower case on HTTP/2). */
        Optional<String> header(String name) {
            return headers.stream().filter(e -> e.getKey().equals(name)).map(Map.Entry::getValue).findFirst();
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** Returns whether a final head came and the stream ended with END_STREAM, not by a reset, a GOAWAY or a close. */
        boolean complete() {
            return status > 0 && ended;
        }

        @Override
        public String toString() {
            return "status " + status + " " + headers + " body " + body.length + " bytes in " + dataFrames + " DATA frames"
                    + (reset >= 0 ? ", reset " + reset : "") + (goAway != null ? ", " + goAway : "") + (ended ? ", ended" : ", not ended");
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final Deque<Frame> pending = new ArrayDeque<>();
    private Map<Integer, Long> serverSettings;
    private Frame goAway;
    private boolean closed;

    private RawH2(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to 127.0.0.1 on this port and opens HTTP/2 with prior knowledge: the preface, SETTINGS and a wide window. */
    static RawH2 connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setTcpNoDelay(true);
        return over(socket);
    }

    /** Opens HTTP/2 on a connected socket, such as a TLS socket that agreed on {@code h2} by ALPN. */
    static RawH2 over(Socket socket) throws IOException {
        RawH2 client = new RawH2(socket);
        ByteArrayOutputStream start = new ByteArrayOutputStream();
        start.writeBytes(PREFACE);
        start.writeBytes(frame(SETTINGS, 0, 0, settingsPayload(SETTINGS_HEADER_TABLE_SIZE, 0, SETTINGS_ENABLE_PUSH, 0,
                SETTINGS_INITIAL_WINDOW_SIZE, WINDOW)));
        start.writeBytes(frame(WINDOW_UPDATE, 0, 0, ByteBuffer.allocate(4).putInt(WINDOW - 65535).array()));
        client.raw(start.toByteArray());
        return client;
    }

    static byte[] settingsPayload(int... pairs) {
        ByteBuffer buffer = ByteBuffer.allocate(pairs.length / 2 * 6);
        for (int i = 0; i < pairs.length; i += 2) {
            buffer.putShort((short) pairs[i]).putInt(pairs[i + 1]);
        }
        return buffer.array();
    }

    /** Returns one frame's bytes. */
    static byte[] frame(int type, int flags, int stream, byte[] payload) {
        ByteBuffer frame = ByteBuffer.allocate(9 + payload.length);
        frame.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
        frame.put((byte) type).put((byte) flags).putInt(stream & 0x7FFFFFFF).put(payload);
        return frame.array();
    }

    /**
     * Returns an HPACK block of these name-value pairs, each a literal without indexing and without Huffman coding; a
     * name of the static table is sent as its index (as clients do: Tomcat refuses a pseudo-header's name as a literal).
     */
    static byte[] block(String... fields) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        for (int i = 0; i < fields.length; i += 2) {
            int index = Hpack.nameIndex(fields[i]);
            integer(block, 0, 4, index);
            if (index == 0) {
                string(block, fields[i]);
            }
            string(block, fields[i + 1]);
        }
        return block.toByteArray();
    }

    private static void string(ByteArrayOutputStream block, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        integer(block, 0, 7, bytes.length);
        block.writeBytes(bytes);
    }

    private static void integer(ByteArrayOutputStream block, int first, int prefix, int value) {
        int max = (1 << prefix) - 1;
        if (value < max) {
            block.write(first | value);
            return;
        }
        block.write(first | max);
        value -= max;
        while (value >= 128) {
            block.write(value % 128 + 128);
            value /= 128;
        }
        block.write(value);
    }

    /** The pseudo-header fields of a request to this path (scheme https over TLS), then the other fields as name-value pairs. */
    String[] request(String method, String path, String... fields) {
        String scheme = socket instanceof javax.net.ssl.SSLSocket ? "https" : "http";
        List<String> all = new ArrayList<>(List.of(":method", method, ":scheme", scheme, ":path", path,
                ":authority", "localhost"));
        all.addAll(List.of(fields));
        return all.toArray(String[]::new);
    }

    /** Writes these bytes as they are. */
    RawH2 raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    RawH2 send(int type, int flags, int stream, byte[] payload) throws IOException {
        return raw(frame(type, flags, stream, payload));
    }

    /** Sends a header block on this stream, in CONTINUATION frames after the HEADERS frame when over 16 KiB. */
    RawH2 headers(int stream, boolean endStream, String... fields) throws IOException {
        byte[] block = block(fields);
        int max = 16384;
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        for (int at = 0; at == 0 || at < block.length; at += max) {
            int end = Math.min(block.length, at + max);
            byte[] part = java.util.Arrays.copyOfRange(block, at, end);
            int flags = (end == block.length ? END_HEADERS : 0) | (at == 0 && endStream ? END_STREAM : 0);
            frames.writeBytes(frame(at == 0 ? HEADERS : CONTINUATION, flags, stream, part));
        }
        return raw(frames.toByteArray());
    }

    /**
     * Reads the server's SETTINGS (acknowledged now: nothing but CONTINUATION may follow an open block), then sends
     * HEADERS for a GET without END_HEADERS, leaving its header block open.
     */
    RawH2 openHeaderBlock(int stream, String path) throws IOException {
        serverSettings();
        return send(HEADERS, 0, stream, block(request("GET", path)));
    }

    /** Sends a GET with no body on this stream. */
    RawH2 get(int stream, String path, String... fields) throws IOException {
        return headers(stream, true, request("GET", path, fields));
    }

    RawH2 data(int stream, byte[] bytes, boolean endStream) throws IOException {
        return send(DATA, endStream ? END_STREAM : 0, stream, bytes);
    }

    RawH2 rst(int stream, int code) throws IOException {
        return send(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(code).array());
    }

    RawH2 ping(long opaque) throws IOException {
        return send(PING, 0, 0, ByteBuffer.allocate(8).putLong(opaque).array());
    }

    /**
     * Returns the next frame within {@link #READ_TIMEOUT}, or null when the server has closed the connection. SETTINGS
     * and PING from the server are acknowledged on the way; a GOAWAY is remembered ({@link #goAway()}).
     */
    Frame next() throws IOException {
        return next(READ_TIMEOUT);
    }

    Frame next(Duration timeout) throws IOException {
        if (!pending.isEmpty()) {
            return pending.poll();
        }
        if (closed) {
            return null;
        }
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        Frame frame;
        try {
            byte[] head = new byte[9];
            in.readFully(head);
            int length = (head[0] & 0xFF) << 16 | (head[1] & 0xFF) << 8 | head[2] & 0xFF;
            byte[] payload = new byte[length];
            in.readFully(payload);
            frame = new Frame(head[3] & 0xFF, head[4] & 0xFF, ByteBuffer.wrap(head, 5, 4).getInt() & 0x7FFFFFFF, payload);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no frame from the server within " + timeout + (goAway != null ? " after " + goAway : ""));
        } catch (EOFException | SocketException e) {
            closed = true;
            return null;
        }
        if (frame.type == SETTINGS && !frame.has(ACK)) {
            if (serverSettings == null) {
                serverSettings = frame.settings();
            }
            try {
                send(SETTINGS, ACK, 0, new byte[0]);
            } catch (IOException ignored) {
                // closing: the next read tells
            }
        } else if (frame.type == PING && !frame.has(ACK)) {
            try {
                send(PING, ACK, 0, frame.payload);
            } catch (IOException ignored) {
                // closing: the next read tells
            }
        } else if (frame.type == GOAWAY) {
            goAway = frame;
        }
        return frame;
    }

    /** Returns the parameters of the server's first SETTINGS frame, which must be the first frame it sends. */
    Map<Integer, Long> serverSettings() throws IOException {
        if (serverSettings == null) {
            Frame first = next();
            if (first == null || first.type != SETTINGS || first.has(ACK)) {
                throw new AssertionError("the server's first frame must be SETTINGS, got " + first);
            }
        }
        return serverSettings;
    }

    /** Returns the last GOAWAY the server sent, or null. */
    Frame goAway() {
        return goAway;
    }

    /**
     * Reads until the stream ends (END_STREAM or RST_STREAM), the server sends GOAWAY for a connection error, or the
     * connection closes; frames of other streams are kept for later reads.
     */
    Reply reply(int stream) throws IOException {
        return reply(stream, READ_TIMEOUT);
    }

    Reply reply(int stream, Duration timeout) throws IOException {
        List<Frame> others = new ArrayList<>();
        int status = -1;
        List<Map.Entry<String, String>> headers = List.of();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        ByteArrayOutputStream block = null;
        boolean blockEnds = false;
        int dataFrames = 0;
        int reset = -1;
        Frame goAwayNow = null;
        try {
            while (true) {
                Frame frame = next(timeout);
                if (frame == null) {
                    break;
                }
                if (frame.type == GOAWAY) {
                    goAwayNow = frame;
                    if (frame.errorCode() != NO_ERROR || frame.lastStream() < stream) {
                        break;
                    }
                    continue;
                }
                if (frame.stream != stream) {
                    if (frame.stream != 0) {
                        others.add(frame);
                    }
                    continue;
                }
                switch (frame.type) {
                    case HEADERS, CONTINUATION -> {
                        if (block == null) {
                            block = new ByteArrayOutputStream();
                            blockEnds = frame.has(END_STREAM);
                        }
                        block.writeBytes(frame.type == HEADERS ? headerFragment(frame) : frame.payload);
                        if (frame.has(END_HEADERS)) {
                            List<Map.Entry<String, String>> fields = Hpack.decode(block.toByteArray());
                            block = null;
                            String code = fields.stream().filter(e -> e.getKey().equals(":status")).map(Map.Entry::getValue)
                                    .findFirst().orElse(null);
                            int value = code == null ? 0 : Integer.parseInt(code);
                            if (value >= 200 || status < 0) {
                                status = value >= 200 ? value : status;
                                headers = value >= 200 ? fields : headers;
                            }
                            if (blockEnds) {
                                return new Reply(status, headers, body.toByteArray(), dataFrames, -1, goAwayNow, true);
                            }
                        }
                    }
                    case DATA -> {
                        dataFrames++;
                        body.writeBytes(dataBytes(frame));
                        if (frame.has(END_STREAM)) {
                            return new Reply(status, headers, body.toByteArray(), dataFrames, -1, goAwayNow, true);
                        }
                    }
                    case RST_STREAM -> {
                        reset = frame.errorCode();
                        return new Reply(status, headers, body.toByteArray(), dataFrames, reset, goAwayNow, false);
                    }
                    default -> {
                    }
                }
            }
            return new Reply(status, headers, body.toByteArray(), dataFrames, reset, goAwayNow, false);
        } finally {
            // ahead of the frames still pending, which came after them: a stream's frames stay in order
            for (int i = others.size() - 1; i >= 0; i--) {
                pending.addFirst(others.get(i));
            }
        }
    }

    /** Returns a HEADERS frame's header block fragment, without padding and priority. */
    static byte[] headerFragment(Frame frame) {
        int from = 0;
        int to = frame.payload.length;
        if (frame.has(PADDED)) {
            to -= frame.payload[0] & 0xFF;
            from++;
        }
        if (frame.has(PRIORITY)) {
            from += 5;
        }
        return java.util.Arrays.copyOfRange(frame.payload, from, to);
    }

    /** Returns a DATA frame's data, without padding. */
    static byte[] dataBytes(Frame frame) {
        if (!frame.has(PADDED)) {
            return frame.payload;
        }
        return java.util.Arrays.copyOfRange(frame.payload, 1, frame.payload.length - (frame.payload[0] & 0xFF));
    }

    /**
     * Reads frames until the server closes the connection, or fails after this long; returns whether a GOAWAY came
     * before the close.
     */
    boolean closedWithin(Duration limit) throws IOException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                if (next(Duration.ofNanos(left)) == null) {
                    return true;
                }
            } catch (AssertionError timedOut) {
                return false;
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** An HPACK decoder for answers: the static table, a dynamic table held at 0 bytes, Huffman codes up to 8 bits. */
    static final class Hpack {
        private static final String[][] STATIC = {
                {":authority", ""}, {":method", "GET"}, {":method", "POST"}, {":path", "/"}, {":path", "/index.html"},
                {":scheme", "http"}, {":scheme", "https"}, {":status", "200"}, {":status", "204"}, {":status", "206"},
                {":status", "304"}, {":status", "400"}, {":status", "404"}, {":status", "500"}, {"accept-charset", ""},
                {"accept-encoding", "gzip, deflate"}, {"accept-language", ""}, {"accept-ranges", ""}, {"accept", ""},
                {"access-control-allow-origin", ""}, {"age", ""}, {"allow", ""}, {"authorization", ""},
                {"cache-control", ""}, {"content-disposition", ""}, {"content-encoding", ""}, {"content-language", ""},
                {"content-length", ""}, {"content-location", ""}, {"content-range", ""}, {"content-type", ""},
                {"cookie", ""}, {"date", ""}, {"etag", ""}, {"expect", ""}, {"expires", ""}, {"from", ""}, {"host", ""},
                {"if-match", ""}, {"if-modified-since", ""}, {"if-none-match", ""}, {"if-range", ""},
                {"if-unmodified-since", ""}, {"last-modified", ""}, {"link", ""}, {"location", ""}, {"max-forwards", ""},
                {"proxy-authenticate", ""}, {"proxy-authorization", ""}, {"range", ""}, {"referer", ""}, {"refresh", ""},
                {"retry-after", ""}, {"server", ""}, {"set-cookie", ""}, {"strict-transport-security", ""},
                {"transfer-encoding", ""}, {"user-agent", ""}, {"vary", ""}, {"via", ""}, {"www-authenticate", ""}};
        /** Symbols by code length, 5 to 8 bits, in the canonical order of RFC 7541 Appendix B. */
        private static final String[] SHORT_CODES = {"012aceiost", " %-./3456789=A_bdfghlmnpru",
                ":BCDEFGHIJKLMNOPQRSTUVWYjkqvwxyz", "&*,;XZ"};
        private static final Map<Integer, Character> HUFFMAN = new java.util.HashMap<>();

        static {
            int code = 0;
            for (int i = 0; i < SHORT_CODES.length; i++) {
                int length = 5 + i;
                for (char c : SHORT_CODES[i].toCharArray()) {
                    HUFFMAN.put(length << 16 | code++, c);
                }
                code <<= 1;
            }
        }

        private Hpack() {
        }

        /** Returns the static table's first index of this name, or 0. */
        static int nameIndex(String name) {
            for (int i = 0; i < STATIC.length; i++) {
                if (STATIC[i][0].equals(name)) {
                    return i + 1;
                }
            }
            return 0;
        }

        static List<Map.Entry<String, String>> decode(byte[] block) {
            List<Map.Entry<String, String>> fields = new ArrayList<>();
            int[] at = {0};
            while (at[0] < block.length) {
                int b = block[at[0]] & 0xFF;
                if ((b & 0x80) != 0) {
                    fields.add(entry(integer(block, at, 7)));
                } else if ((b & 0xE0) == 0x20) {
                    integer(block, at, 5); // a dynamic table size update: the table stays at 0 bytes
                } else {
                    int index = integer(block, at, (b & 0x40) != 0 ? 6 : 4);
                    String name = index == 0 ? string(block, at) : entry(index).getKey();
                    fields.add(Map.entry(name, nullable(string(block, at))));
                }
            }
            return fields;
        }

        private static String nullable(String value) {
            return value == null ? "\u0000undecoded" : value;
        }

        private static Map.Entry<String, String> entry(int index) {
            if (index < 1 || index > STATIC.length) {
                throw new AssertionError("HPACK index " + index + " outside the static table, with a dynamic table of 0 bytes");
            }
            return Map.entry(STATIC[index - 1][0], STATIC[index - 1][1]);
        }

        private static int integer(byte[] block, int[] at, int prefix) {
            int max = (1 << prefix) - 1;
            int value = block[at[0]++] & max;
            if (value < max) {
                return value;
            }
            for (int shift = 0; ; shift += 7) {
                int b = block[at[0]++] & 0xFF;
                value += (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
        }

        private static String string(byte[] block, int[] at) {
            boolean huffman = (block[at[0]] & 0x80) != 0;
            int length = integer(block, at, 7);
            byte[] bytes = java.util.Arrays.copyOfRange(block, at[0], at[0] + length);
            at[0] += length;
            return huffman ? huffman(bytes) : new String(bytes, StandardCharsets.ISO_8859_1);
        }

        /** Decodes Huffman-coded text of codes up to 8 bits; null when it holds a longer code. */
        private static String huffman(byte[] bytes) {
            StringBuilder text = new StringBuilder();
            long bits = 0;
            int count = 0;
            for (byte b : bytes) {
                bits = bits << 8 | (b & 0xFF);
                count += 8;
                while (count >= 8) {
                    Character c = null;
                    for (int length = 5; length <= 8 && c == null; length++) {
                        int code = (int) (bits >>> (count - length)) & ((1 << length) - 1);
                        c = HUFFMAN.get(length << 16 | code);
                        if (c != null) {
                            count -= length;
                        }
                    }
                    if (c == null) {
                        return null;
                    }
                    text.append(c);
                }
            }
            while (count >= 5) {
                Character c = null;
                for (int length = 5; length <= count && c == null; length++) {
                    int code = (int) (bits >>> (count - length)) & ((1 << length) - 1);
                    c = HUFFMAN.get(length << 16 | code);
                    if (c != null) {
                        count -= length;
                    }
                }
                if (c == null) {
                    break;
                }
                text.append(c);
            }
            // what is left must be the padding: the most significant bits of EOS, all ones, under 8 bits
            int mask = (1 << count) - 1;
            return count < 8 && (bits & mask) == mask ? text.toString() : null;
        }
    }
}
