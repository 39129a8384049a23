package dev.ferry.spi;

import dev.ferry.HttpException;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.internal.Fields;
import dev.ferry.server.ServerConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Checks a connection's request heads against the contract as their bytes arrive, for servers whose
 * own parser is more lenient: request line and header limits (414, 431), the request line's shape and
 * percent escapes, bare CR or LF, obs-fold, space before the colon, Content-Length and
 * Transfer-Encoding framing, and Host on HTTP/1.1 (400), and the major version (505). Empty lines
 * before a request line are passed over, as RFC 9112 asks; a server whose parser refuses them drops
 * the bytes {@link #blank()} reports. With HTTP/2 on, a connection that opens with the HTTP/2
 * preface is passed from then on ({@link #http2()}): its frames are the server's HTTP/2 support to check.
 *
 * <p>A check made with {@link #following} also follows each message's body framing, so that it knows
 * where the next head starts in a stream of pipelined requests; one made with {@link #headsOnly}
 * pauses after each head until the server calls {@link #expectHead()}.
 *
 * <p>One check belongs to one connection and is used by one thread at a time.
 */
public final class HeadCheck {

    private static final long HTTP_SLASH = 0x485454502FL;
    private static final long CONNECT = 0x434F4E4E454354L;
    private static final long OPTIONS = 0x4F5054494F4E53L;
    private static final long HTTP_1_1 = ByteBuffer.wrap("HTTP/1.1".getBytes(StandardCharsets.US_ASCII)).getLong();
    private static final long HTTP_1_0 = ByteBuffer.wrap("HTTP/1.0".getBytes(StandardCharsets.US_ASCII)).getLong();
    private static final long HTTP_2_0 = ByteBuffer.wrap("HTTP/2.0".getBytes(StandardCharsets.US_ASCII)).getLong();
    private static final long PRI = 0x505249L;
    /** What follows {@code PRI * HTTP/2.0} CR LF in the HTTP/2 connection preface (RFC 9113, section 3.4). */
    private static final byte[] PREFACE_TAIL = "\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final String[] FRAMING = {"content-length", "transfer-encoding", "host"};
    private static final int NAME_KEPT = 17;
    private static final boolean[] TOKEN = new boolean[256];

    static {
        for (char c : "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    private static final int LINE = 0, LINE_LF = 1, FIELD = 2, NAME = 3, VALUE = 4, VALUE_LF = 5, END_LF = 6;
    private static final int BLANK_LF = 7, PAUSED = 8;
    private static final int FIXED = 9, SIZE = 10, EXT = 11, SIZE_LF = 12, DATA = 13, DATA_CR = 14, DATA_LF = 15;
    private static final int TRAILER = 16, TRAILER_LINE = 17, TRAILER_LF = 18, TRAILER_END_LF = 19, FAILED = 20;
    private static final int TRAILER_NAME = 21;
    /** The rest of the HTTP/2 preface, then HTTP/2 frames, which this check does not read. */
    private static final int PREFACE = 29, HTTP2 = 30;
    // chunk extensions, in the grammar Tomcat's decoder keeps (RFC 9112 without quoted pairs)
    private static final int EXT_NAME = 22, EXT_POST_NAME = 23, EXT_EQUALS = 24, EXT_VALUE = 25, EXT_QUOTED = 26;
    private static final int EXT_POST_VALUE = 27, EXT_QUOTE_END = 28;
    /** The longest method Undertow's parser takes. */
    private static final int MAX_METHOD = 32;
    /** The longest value kept of a framing field or Host; a longer one is refused. */
    private static final int MAX_KEPT_VALUE = 256;

    private final boolean follow;
    private final boolean http2;
    private int heads;
    private int prefaceAt;
    private final int maxLine;
    private final int maxHeaderBytes;
    private final int maxHeaderCount;
    private final byte[] scratch = new byte[512];

    private int state = LINE;
    private int headStart;
    private int blank;
    private int blankBytes;
    private int lineBytes;
    private long versionTail;
    /** The method's bytes, the last eight of them, to tell CONNECT. */
    private long method;
    private int linePart;
    private int partStart;
    private int versionStart;
    private int escape;
    private int headerBytes;
    private int fields;
    /** The first bytes of the current header name, lower-cased: as many as the longest framing name has. */
    private final byte[] name = new byte[NAME_KEPT];
    private int nameLength;
    private int field;
    private final StringBuilder value = new StringBuilder();
    private int hosts;
    private String host;
    /** The Host value of a whole head in the block, read in place: the common head allocates nothing. */
    private final Latin1 hostView = new Latin1();
    /** The request target when it does not start with '/', kept to compare its authority with Host. */
    private final StringBuilder otherTarget = new StringBuilder();
    private long contentLength;
    private boolean chunked;
    private long remaining;
    private int sizeDigits;
    private int chunkLineBytes;
    /** Chunk-extension bytes of the current message, limited in total as header bytes are. */
    private int extensionBytes;
    // read by the thread that answers the request, which may not be the one that scanned
    private volatile boolean malformedBody;
    private volatile Status rejection;
    private String badEscape;

    private HeadCheck(ServerConfig config, boolean follow) {
        this.follow = follow;
        this.http2 = config.http2();
        this.maxLine = config.maxRequestLine();
        this.maxHeaderBytes = config.maxHeaderBytes();
        this.maxHeaderCount = config.maxHeaderCount();
        startHead(0);
    }

    /** Returns a check that also follows each request's body to the next head. */
    public static HeadCheck following(ServerConfig config) {
        return new HeadCheck(config, true);
    }

    /** Returns a check that pauses after each head until {@link #expectHead()}, for a server that frames bodies itself. */
    public static HeadCheck headsOnly(ServerConfig config) {
        return new HeadCheck(config, false);
    }

    /** Returns how many bytes a head may take at most, so that a server's own limit never comes first. */
    public static int maxHead(ServerConfig config) {
        return config.maxRequestLine() + config.maxHeaderBytes() + 64;
    }

    /**
     * Checks bytes {@code [from, to)} of the buffer, the next of the connection's input, and returns the
     * index where it stopped: {@code to}, or earlier right after an empty line ({@link #blank()}), at the
     * end of a head when {@link #paused()}, at the start of a refused head ({@link #refusal()}), or at the
     * byte that broke a chunked body ({@link #malformedBody()}). The buffer's position is not changed.
     */
    public int scan(ByteBuffer buffer, int from, int to) {
        if (state == HTTP2) {
            return to;
        }
        blank = 0;
        headStart = state == LINE && lineBytes == 0 ? from : -1;
        // bytes are copied out in blocks and read from the array: reading a direct buffer byte by byte
        // costs several times more
        byte[] block = scratch;
        int base = from;
        int blockEnd = from;
        int i = from;
        while (i < to) {
            if (state == FIXED || state == DATA) {
                long skip = Math.min(remaining, to - i);
                i += (int) skip;
                remaining -= skip;
                if (remaining == 0) {
                    if (state == FIXED) {
                        startHead(i);
                    } else {
                        state = DATA_CR;
                    }
                }
                continue;
            }
            if (state == PAUSED || state == FAILED) {
                return i;
            }
            if (i >= blockEnd) {
                int n = Math.min(block.length, to - i);
                buffer.get(i, block, 0, n);
                base = i;
                blockEnd = i + n;
            }
            if (state == LINE && lineBytes == 0) {
                int end = plainHead(block, base, i, blockEnd);
                if (end > i) {
                    i = end;
                    if (state == PAUSED || state == FAILED) {
                        return state == FAILED ? headStart : i;
                    }
                    continue;
                }
            }
            if (state == VALUE && field < 0) {
                i = skipValue(block, base, i, blockEnd);
            } else if (state == NAME) {
                i = skipName(block, base, i, blockEnd);
            } else if (state == LINE && (linePart == 1 && escape == 0 || linePart == 2)) {
                i = linePart == 1 ? skipTarget(block, base, i, blockEnd) : skipVersion(block, base, i, blockEnd);
            }
            if (i == blockEnd) {
                continue;
            }
            int b = block[i++ - base] & 0xFF;
            if (state == PREFACE) {
                if (b != PREFACE_TAIL[prefaceAt++]) {
                    reject(Status.BAD_REQUEST);
                    return headStart < 0 ? from : headStart;
                }
                if (prefaceAt == PREFACE_TAIL.length) {
                    state = HTTP2;
                    return i;
                }
                continue;
            }
            if (state >= SIZE && state != DATA_CR && state != DATA_LF && ++chunkLineBytes > maxHeaderBytes) {
                return brokenBody(i - 1);
            }
            if (state < FIXED) {
                head(b, i);
                if (state == FAILED) {
                    return headStart < 0 ? from : headStart;
                }
                if (blank > 0 || state == PAUSED) {
                    return i;
                }
            } else if (!chunk(b, i)) {
                return brokenBody(i - 1);
            }
        }
        return to;
    }

    /**
     * Returns where the head not yet complete (or refused) began in the last scanned range, or -1 when it
     * began in an earlier one.
     */
    public int headStart() {
        return headStart;
    }

    /**
     * Returns whether the connection opened with the HTTP/2 preface, HTTP/2 being on: every byte after it
     * is an HTTP/2 frame, passed by {@link #scan} unread, for the server's HTTP/2 support to check.
     */
    public boolean http2() {
        return state == HTTP2;
    }

    /** Returns whether a head has begun and is not complete: its bytes are not all in yet. */
    public boolean inHead() {
        return state < FIXED && state != PAUSED && (state != LINE || lineBytes > 0);
    }

    /** Returns the length of the empty line just before where the last scan stopped, or 0. */
    public int blank() {
        return blank;
    }

    /** Returns whether a heads-only check has passed a whole head and waits for {@link #expectHead()}. */
    public boolean paused() {
        return state == PAUSED;
    }

    /** Tells a heads-only check that the message ended: the connection's next byte starts a head. */
    public void expectHead() {
        if (state == PAUSED) {
            startHead(0);
        }
    }

    /** Returns whether a head was refused or a body broke its framing: the check reads no further. */
    public boolean failed() {
        return state == FAILED;
    }

    /** Returns whether a request body broke its chunked framing; the request is answered 400 and the connection closed. */
    public boolean malformedBody() {
        return malformedBody;
    }

    /**
     * Returns the error response for the refused head, with {@code Connection: close}, or null while no
     * head was refused. A bad percent escape is worded by the core, as on every server.
     */
    public Response refusal() {
        Status status = rejection;
        if (status == null) {
            return null;
        }
        String message = status.reason();
        if (badEscape != null) {
            try {
                Request.builder().target(badEscape).build();
            } catch (HttpException e) {
                status = e.status();
                message = e.getMessage() == null ? status.reason() : e.getMessage();
            }
        }
        return Response.error(status, message).withHeader("Connection", "close");
    }

    /** Returns the refusal as the bytes of a whole response, to write straight to the connection before closing it. */
    public byte[] refusalBytes() {
        Response refusal = refusal();
        if (refusal == null) {
            throw new IllegalStateException("no head was refused");
        }
        try {
            return Engine.refusal(refusal.status(), refusal.body().text());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private int brokenBody(int at) {
        malformedBody = true;
        state = FAILED;
        return at;
    }

    /**
     * Checks a whole head of the common kind in one pass, from its first byte at {@code from}: a token
     * method, a target without escapes, HTTP/1.0 or HTTP/1.1, and fields other than Content-Length and
     * Transfer-Encoding, all within the limits and within the block. Returns the index after the head,
     * having completed it, or -1 with nothing changed, leaving the head to the byte-by-byte check. It
     * accepts only heads that check accepts, so the two never answer differently.
     */
    private int plainHead(byte[] block, int base, int from, int to) {
        int end = to - base;
        int i = from - base;
        int start = i;
        while (i < end && TOKEN[block[i] & 0xFF]) {
            i++;
        }
        if (i == start || i - start > MAX_METHOD || i >= end || block[i] != ' ' || i - start == 7 && block[start] == 'C') {
            return -1; // CONNECT, and the rare method that starts like it, take the byte-by-byte path
        }
        int target = ++i;
        if (i < end && block[i] != '/') {
            return -1;
        }
        while (i < end) {
            int c = block[i] & 0xFF;
            if (c <= 0x20 || c >= 0x7F || c == '%') {
                break;
            }
            i++;
        }
        if (i == target || i + 11 > end || block[i] != ' ') { // the space, eight bytes of version, CR LF
            return -1;
        }
        i++;
        long version = 0;
        for (int k = 0; k < 8; k++) {
            version = version << 8 | block[i + k] & 0xFF;
        }
        if (version != HTTP_1_1 && version != HTTP_1_0 || block[i + 8] != '\r' || block[i + 9] != '\n'
                || i + 8 - start > maxLine) {
            return -1;
        }
        i += 10;
        int bytes = 0;
        int count = 0;
        int hostFields = 0;
        while (true) {
            if (i + 1 >= end) {
                return -1;
            }
            if (block[i] == '\r') {
                if (block[i + 1] != '\n') {
                    return -1;
                }
                i += 2;
                break;
            }
            int name = i;
            while (i < end && TOKEN[block[i] & 0xFF]) {
                i++;
            }
            int length = i - name;
            if (length == 0 || i >= end || block[i] != ':') {
                return -1;
            }
            if ((length == 14 || length == 17) && framingIndex(lowerCase(block, name, length), length) >= 0) {
                return -1;
            }
            boolean hostField = length == 4 && framingIndex(lowerCase(block, name, length), length) == 2;
            int valueStart = ++i;
            while (i < end) {
                int c = block[i] & 0xFF;
                if (c < 0x20 && c != '\t' || c == 0x7F) {
                    break;
                }
                i++;
            }
            if (hostField) {
                hostFields++;
                if (!Fields.isHost(hostView.of(block, valueStart, i))) {
                    return -1;
                }
            }
            if (i + 1 >= end || block[i] != '\r' || block[i + 1] != '\n') {
                return -1;
            }
            i += 2;
            bytes += i - name;
            if (++count > maxHeaderCount || bytes > maxHeaderBytes) {
                return -1;
            }
        }
        if (hostFields > 1 || hostFields == 0 && version == HTTP_1_1) {
            return -1;
        }
        hosts = hostFields;
        versionTail = version;
        headComplete(i + base);
        return i + base;
    }

    private byte[] lowerCase(byte[] block, int from, int length) {
        nameLength = 0;
        for (int k = 0; k < length && k < NAME_KEPT; k++) {
            name(block[from + k] & 0xFF);
        }
        return name;
    }

    // The skips pass over runs of bytes that only count towards a limit, so that the common bytes of a
    // head cost a compare each; the byte that ends a run goes through head() as usual. Byte i of the
    // buffer is block[i - base].

    /** Skips the plain bytes of a header value that is not kept: all but Content-Length and Transfer-Encoding. */
    private int skipValue(byte[] block, int base, int from, int to) {
        int stop = Math.min(to, from + Math.max(0, maxHeaderBytes - headerBytes));
        int i = from;
        while (i < stop) {
            int c = block[i - base] & 0xFF;
            if (c < 0x20 && c != '\t' || c == 0x7F) {
                break;
            }
            i++;
        }
        headerBytes += i - from;
        return i;
    }

    /** Skips the token bytes of a header name, keeping its start for {@link #framingIndex}. */
    private int skipName(byte[] block, int base, int from, int to) {
        int stop = Math.min(to, from + Math.max(0, maxHeaderBytes - headerBytes));
        int i = from;
        while (i < stop && TOKEN[block[i - base] & 0xFF]) {
            name(block[i - base] & 0xFF);
            i++;
        }
        headerBytes += i - from;
        return i;
    }

    /**
     * Skips the bytes of the request target up to a space, an escape or a control byte. The version
     * check needs only the line's last eight bytes, which a well-formed line's version supplies.
     */
    private int skipTarget(byte[] block, int base, int from, int to) {
        if (lineBytes == partStart && block[from - base] != '/' || !otherTarget.isEmpty()) {
            return from; // a target of another form is kept byte by byte
        }
        int stop = Math.min(to, from + Math.max(0, maxLine - lineBytes));
        int i = from;
        while (i < stop) {
            int c = block[i - base] & 0xFF;
            if (c <= 0x20 || c >= 0x7F || c == '%') {
                break;
            }
            i++;
        }
        lineBytes += i - from;
        return i;
    }

    /** Skips the version's bytes up to the end of the line, keeping the last eight for the check at its end. */
    private int skipVersion(byte[] block, int base, int from, int to) {
        int stop = Math.min(to, from + Math.max(0, maxLine - lineBytes));
        int i = from;
        long tail = versionTail;
        while (i < stop) {
            int c = block[i - base] & 0xFF;
            if (c <= 0x20 || c == 0x7F) {
                break;
            }
            tail = tail << 8 | c;
            i++;
        }
        versionTail = tail;
        lineBytes += i - from;
        return i;
    }

    private void startHead(int at) {
        heads++;
        state = LINE;
        headStart = at;
        lineBytes = 0;
        versionTail = 0;
        method = 0;
        linePart = 0;
        partStart = 0;
        versionStart = 0;
        escape = 0;
        headerBytes = 0;
        fields = 0;
        hosts = 0;
        host = null;
        otherTarget.setLength(0);
        contentLength = -1;
        chunked = false;
    }

    private void reject(Status status) {
        rejection = status;
        state = FAILED;
    }

    private void head(int b, int next) {
        if ((state == NAME || state == VALUE || state == VALUE_LF || state == FIELD && b != '\r')
                && ++headerBytes > maxHeaderBytes) {
            reject(Status.REQUEST_HEADER_FIELDS_TOO_LARGE);
            return;
        }
        switch (state) {
            case LINE -> {
                if (b == '\r' && lineBytes == 0) {
                    state = BLANK_LF;
                } else if (b == '\r') {
                    state = LINE_LF;
                    if (linePart != 2 || lineBytes - versionStart != 8 || (versionTail >>> 24) != HTTP_SLASH
                            || !digit((int) (versionTail >>> 16 & 0xFF)) || (versionTail >>> 8 & 0xFF) != '.'
                            || !digit((int) (versionTail & 0xFF))) {
                        reject(Status.BAD_REQUEST);
                    }
                } else if (b == '\n' || b < 0x20 || b == 0x7F) {
                    reject(Status.BAD_REQUEST);
                } else if (++lineBytes > maxLine) {
                    reject(Status.URI_TOO_LONG);
                } else {
                    versionTail = versionTail << 8 | b;
                    requestLine(b);
                }
            }
            case BLANK_LF -> {
                blankBytes += 2;
                if (b != '\n' || blankBytes > maxLine) {
                    reject(Status.BAD_REQUEST);
                } else {
                    blank = 2;
                    startHead(next);
                }
            }
            case LINE_LF -> {
                if (b != '\n') {
                    reject(Status.BAD_REQUEST);
                } else if (versionTail == HTTP_2_0 && http2 && heads == 1 && method == PRI && lineBytes == 14) {
                    state = PREFACE; // PRI * HTTP/2.0 opening the connection: the HTTP/2 preface
                    prefaceAt = 0;
                } else if (versionTail != HTTP_1_1 && versionTail != HTTP_1_0) {
                    // the line's shape was checked at its CR: this is HTTP/d.d, a version not served
                    reject(Status.HTTP_VERSION_NOT_SUPPORTED);
                } else if (method == CONNECT) {
                    reject(Status.NOT_IMPLEMENTED); // no tunnels here; servers would read its target apart
                } else {
                    state = FIELD;
                }
            }
            case FIELD -> {
                if (b == '\r') {
                    state = END_LF;
                } else if (TOKEN[b]) {
                    if (++fields > maxHeaderCount) {
                        reject(Status.REQUEST_HEADER_FIELDS_TOO_LARGE);
                        return;
                    }
                    nameLength = 0;
                    name(b);
                    state = NAME;
                } else {
                    reject(Status.BAD_REQUEST);
                }
            }
            case NAME -> {
                if (b == ':') {
                    field = framingIndex(name, nameLength);
                    value.setLength(0);
                    state = VALUE;
                } else if (TOKEN[b]) {
                    name(b);
                } else {
                    reject(Status.BAD_REQUEST);
                }
            }
            case VALUE -> {
                if (b == '\r') {
                    state = VALUE_LF;
                } else if (b < 0x20 && b != '\t' || b == 0x7F) {
                    reject(Status.BAD_REQUEST);
                } else if (field >= 0) {
                    if (value.length() == MAX_KEPT_VALUE) {
                        reject(Status.BAD_REQUEST);
                    } else {
                        value.append((char) b);
                    }
                }
            }
            case VALUE_LF -> {
                if (b != '\n') {
                    reject(Status.BAD_REQUEST);
                } else {
                    state = FIELD;
                    framingField();
                }
            }
            case END_LF -> {
                if (b != '\n') {
                    reject(Status.BAD_REQUEST);
                } else {
                    headComplete(next);
                }
            }
            default -> throw new IllegalStateException();
        }
    }

    /** Checks the request line's shape: a method token, one space, a target with sound escapes, one space, a version. */
    private void requestLine(int b) {
        if (b == ' ') {
            badEscape = escape > 0 ? "/%" : null;
            if (escape > 0 || linePart == 2 || lineBytes - partStart == 1) {
                reject(Status.BAD_REQUEST);
            }
            linePart++;
            partStart = lineBytes;
            versionStart = lineBytes;
        } else if (linePart == 0 && (!TOKEN[b] || lineBytes > MAX_METHOD)) {
            reject(Status.BAD_REQUEST);
        } else if (linePart == 0) {
            method = method << 8 | b;
        } else if (linePart == 1 && b >= 0x80) {
            reject(Status.BAD_REQUEST); // a target is ASCII: raw octets above it are read differently by each server
        } else if (linePart == 1) {
            if (lineBytes - partStart == 1 ? b != '/' : !otherTarget.isEmpty()) {
                otherTarget.append((char) b);
            }
            if (escape > 0) {
                if (Character.digit(b, 16) < 0) {
                    badEscape = "/%zz";
                    reject(Status.BAD_REQUEST);
                }
                escape--;
            } else if (b == '%') {
                escape = 2;
            }
        }
    }

    /**
     * Moves through a chunk extension ({@code ;name}, {@code ;name=token}, {@code ;name="text"}, each
     * with optional whitespace around its parts but not at the line's end) by one byte; returns
     * {@link #SIZE_LF} at its CR, and
     * {@link #FAILED} for a byte the grammar does not allow there.
     */
    private static int extension(int state, int b) {
        boolean space = b == ' ' || b == '\t';
        return switch (state) {
            case EXT -> space ? EXT : TOKEN[b] ? EXT_NAME : FAILED;
            case EXT_NAME -> TOKEN[b] ? EXT_NAME : space ? EXT_POST_NAME : b == ';' ? EXT : b == '=' ? EXT_EQUALS
                    : b == '\r' ? SIZE_LF : FAILED;
            // whitespace only before ';' or '=', never before the line's end (RFC 9112's BWS; Netty refuses it)
            case EXT_POST_NAME -> space ? EXT_POST_NAME : b == ';' ? EXT : b == '=' ? EXT_EQUALS : FAILED;
            case EXT_EQUALS -> space ? EXT_EQUALS : TOKEN[b] ? EXT_VALUE : b == '"' ? EXT_QUOTED : FAILED;
            case EXT_VALUE -> TOKEN[b] ? EXT_VALUE : space ? EXT_POST_VALUE : b == ';' ? EXT : b == '\r' ? SIZE_LF : FAILED;
            case EXT_QUOTED -> b == '"' ? EXT_QUOTE_END : b == '\\' || b == 0x7F || b < 0x20 && b != '\t' ? FAILED : EXT_QUOTED;
            case EXT_QUOTE_END -> space ? EXT_POST_VALUE : b == ';' ? EXT : b == '\r' ? SIZE_LF : FAILED;
            default -> space ? EXT_POST_VALUE : b == ';' ? EXT : FAILED;
        };
    }

    /** Bytes of a block read as Latin-1 characters, without copying them, with the field value's outer whitespace left out. */
    private static final class Latin1 implements CharSequence {
        private byte[] bytes;
        private int from;
        private int to;

        Latin1 of(byte[] block, int start, int end) {
            while (start < end && (block[start] == ' ' || block[start] == '\t')) {
                start++;
            }
            while (end > start && (block[end - 1] == ' ' || block[end - 1] == '\t')) {
                end--;
            }
            bytes = block;
            from = start;
            to = end;
            return this;
        }

        @Override
        public int length() {
            return to - from;
        }

        @Override
        public char charAt(int index) {
            return (char) (bytes[from + index] & 0xFF);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new String(bytes, from + start, end - start, StandardCharsets.ISO_8859_1);
        }

        @Override
        public String toString() {
            return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
        }
    }

    /** Returns whether the byte may appear inside a field value: no control but HTAB. */
    private static boolean fieldByte(int b) {
        return b >= 0x20 && b != 0x7F || b == '\t';
    }

    private static boolean digit(int b) {
        return b >= '0' && b <= '9';
    }

    private void name(int b) {
        if (nameLength < NAME_KEPT) {
            name[nameLength] = (byte) (b >= 'A' && b <= 'Z' ? b + 32 : b);
        }
        nameLength++;
    }

    /** Returns which of {@link #FRAMING} the lower-cased name is, or -1. */
    private static int framingIndex(byte[] name, int length) {
        for (int k = 0; k < FRAMING.length; k++) {
            String candidate = FRAMING[k];
            if (candidate.length() == length) {
                int at = 0;
                while (at < length && candidate.charAt(at) == name[at]) {
                    at++;
                }
                if (at == length) {
                    return k;
                }
            }
        }
        return -1;
    }

    private void framingField() {
        if (field < 0) {
            return;
        }
        String text = value.toString().strip();
        switch (field) {
            case 0 -> {
                if (contentLength >= 0 || text.isEmpty() || text.length() > 18 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    reject(Status.BAD_REQUEST);
                } else {
                    contentLength = Long.parseLong(text);
                }
            }
            case 1 -> {
                if (chunked || !text.equalsIgnoreCase("chunked")) {
                    reject(Status.BAD_REQUEST);
                } else {
                    chunked = true;
                }
            }
            case 2 -> {
                hosts++;
                host = value.toString().strip();
                if (!Fields.isHost(host)) {
                    reject(Status.BAD_REQUEST);
                }
            }
            default -> {
            }
        }
    }

    private void headComplete(int next) {
        blankBytes = 0;
        if (chunked && (contentLength >= 0 || versionTail == HTTP_1_0) || hosts > 1 || hosts == 0 && versionTail == HTTP_1_1
                || !sameHost()) {
            reject(Status.BAD_REQUEST);
        } else if (!follow) {
            state = PAUSED;
        } else if (chunked) {
            state = SIZE;
            remaining = 0;
            sizeDigits = 0;
            chunkLineBytes = 0;
            extensionBytes = 0;
        } else if (contentLength > 0) {
            state = FIXED;
            remaining = contentLength;
        } else {
            startHead(next);
        }
    }

    /**
     * Returns whether an absolute-form target names the host the Host field names (or no Host was sent):
     * two hosts for one request would be read differently by the servers and proxies on its way; and
     * whether an asterisk-form target comes with OPTIONS and no body.
     */
    private boolean sameHost() {
        if (otherTarget.isEmpty()) {
            return true;
        }
        if (otherTarget.charAt(0) == '*') {
            // asterisk-form is '*' alone, for OPTIONS, and about the server: nothing to read a body for
            return otherTarget.length() == 1 && method == OPTIONS && contentLength <= 0 && !chunked;
        }
        int scheme = otherTarget.indexOf("://");
        if (scheme < 0) {
            return true; // '*' or an authority-form target: the engine decides
        }
        String name = otherTarget.substring(0, scheme);
        if (!name.equalsIgnoreCase("http") && !name.equalsIgnoreCase("https")) {
            return false;
        }
        int end = scheme + 3;
        while (end < otherTarget.length() && "/?#".indexOf(otherTarget.charAt(end)) < 0) {
            end++;
        }
        String authority = otherTarget.substring(scheme + 3, end);
        // no user information (servers drop it, keep it or refuse it), and the Host exactly, letter case
        // included: Undertow compares so, and what one server refuses, all refuse
        return authority.indexOf('@') < 0 && (host == null || authority.equals(host));
    }

    /** Follows chunked framing; returns false when it is malformed. */
    private boolean chunk(int b, int next) {
        switch (state) {
            case SIZE -> {
                int digit = Character.digit(b, 16);
                // at most 8 hex digits (4 GiB a chunk), the bound Tomcat's own decoder keeps, so that the
                // check decides the same on every server; no whitespace before ';' or the line's end
                if (digit >= 0 && sizeDigits < 8) {
                    remaining = remaining << 4 | digit;
                    sizeDigits++;
                } else if (sizeDigits > 0 && (b == ';' || b == '\r')) {
                    state = b == ';' ? EXT : SIZE_LF;
                } else {
                    return false;
                }
            }
            case EXT, EXT_NAME, EXT_POST_NAME, EXT_EQUALS, EXT_VALUE, EXT_QUOTED, EXT_QUOTE_END, EXT_POST_VALUE -> {
                if (++extensionBytes > maxHeaderBytes) {
                    return false;
                }
                state = extension(state, b);
            }
            case SIZE_LF -> {
                if (b != '\n') {
                    return false;
                }
                state = remaining == 0 ? TRAILER : DATA;
                chunkLineBytes = state == DATA ? 0 : chunkLineBytes;
            }
            case DATA_CR -> {
                if (b != '\r') {
                    return false;
                }
                state = DATA_LF;
            }
            case DATA_LF -> {
                if (b != '\n') {
                    return false;
                }
                state = SIZE;
                remaining = 0;
                sizeDigits = 0;
            }
            case TRAILER -> {
                if (b == '\r') {
                    state = TRAILER_END_LF;
                } else if (TOKEN[b]) {
                    state = TRAILER_NAME;
                } else {
                    return false;
                }
            }
            case TRAILER_NAME -> {
                if (b == ':') {
                    state = TRAILER_LINE;
                } else if (!TOKEN[b]) {
                    return false;
                }
            }
            case TRAILER_LINE -> {
                if (b == '\r') {
                    state = TRAILER_LF;
                } else if (!fieldByte(b)) {
                    return false;
                }
            }
            case TRAILER_LF -> {
                if (b != '\n') {
                    return false;
                }
                state = TRAILER;
            }
            case TRAILER_END_LF -> {
                if (b != '\n') {
                    return false;
                }
                startHead(next);
            }
            default -> throw new IllegalStateException();
        }
        return state != FAILED;
    }
}
