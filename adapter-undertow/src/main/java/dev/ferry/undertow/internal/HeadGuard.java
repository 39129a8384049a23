package dev.ferry.undertow.internal;

import dev.ferry.Status;
import dev.ferry.server.ServerConfig;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.util.HttpString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.Conduits;
import org.xnio.conduits.StreamSourceConduit;

/**
 * Sits under Undertow's parser and checks every request head against Ferry's contract before Undertow
 * sees a byte of it: request line and header limits (414, 431), bare CR or LF, obs-fold, space before
 * the colon, Content-Length and Transfer-Encoding framing, and Host on HTTP/1.1 (400). It follows the
 * body framing to find where the next head starts, holds a partial head back until it is complete,
 * and closes a connection whose head takes longer than the header timeout. A head that fails is
 * replaced by a {@link #REJECT} request, which the handler answers with the error and closes.
 */
final class HeadGuard extends AbstractStreamSourceConduit<StreamSourceConduit> {

    /** The method of the request that stands in for a rejected head. */
    static final HttpString REJECT = new HttpString("FERRY-REJECTED-HEAD");
    private static final byte[] REJECT_HEAD = (REJECT + " / HTTP/1.1\r\nHost: ferry\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final long HTTP_SLASH = 0x485454502FL;
    private static final long HTTP_1_1 = ByteBuffer.wrap("HTTP/1.1".getBytes(StandardCharsets.US_ASCII)).getLong();
    private static final String[] FRAMING = {"content-length", "transfer-encoding", "host"};
    private static final int NAME_KEPT = 17;
    private static final boolean[] TOKEN = new boolean[256];

    static {
        for (char c : "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    private static final int LINE = 0, LINE_LF = 1, FIELD = 2, NAME = 3, VALUE = 4, VALUE_LF = 5, END_LF = 6;
    private static final int FIXED = 7, SIZE = 8, EXT = 9, SIZE_LF = 10, DATA = 11, DATA_CR = 12, DATA_LF = 13;
    private static final int TRAILER = 14, TRAILER_LINE = 15, TRAILER_LF = 16, TRAILER_END_LF = 17, CLOSED = 18;

    private final StreamConnection connection;
    private final int maxLine;
    private final int maxHeaderBytes;
    private final int maxHeaderCount;
    private final long headerTimeoutMillis;

    private int state = LINE;
    private int headStart;
    private int lineBytes;
    private long versionTail;
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
    private final byte[] scratch = new byte[512];
    private int hosts;
    private long contentLength;
    private boolean chunked;
    private long remaining;
    private int sizeDigits;
    private int chunkLineBytes;
    private boolean malformedBody;

    private ByteBuffer held;
    private ByteBuffer ready;
    private volatile Status rejection;
    private volatile String badEscape;
    private XnioExecutor.Key timer;

    HeadGuard(StreamSourceConduit next, StreamConnection connection, ServerConfig config) {
        super(next);
        this.connection = connection;
        this.maxLine = config.maxRequestLine();
        this.maxHeaderBytes = config.maxHeaderBytes();
        this.maxHeaderCount = config.maxHeaderCount();
        this.headerTimeoutMillis = Math.max(1, config.requestHeaderTimeout().toMillis());
        startHead(0);
    }

    /** Returns the status for the rejected head this exchange stands in for, or null for a real request. */
    static Status rejection(HttpServerExchange exchange) {
        if (exchange.getRequestMethod().equals(REJECT)
                && exchange.getConnection() instanceof HttpServerConnection c
                && c.getOriginalSourceConduit() instanceof HeadGuard guard) {
            return guard.rejection;
        }
        return null;
    }

    /**
     * Returns a target with the same kind of malformed percent escape as the rejected head's, so that the
     * core can word the 400 as on every server, or null when the head failed for another reason.
     */
    static String badEscape(HttpServerExchange exchange) {
        return exchange.getConnection() instanceof HttpServerConnection c
                && c.getOriginalSourceConduit() instanceof HeadGuard guard ? guard.badEscape : null;
    }

    /** Returns whether the connection's request body broke its chunked framing, which makes the request a 400. */
    static boolean malformedBody(HttpServerExchange exchange) {
        return exchange.getConnection() instanceof HttpServerConnection c
                && c.getOriginalSourceConduit() instanceof HeadGuard guard && guard.malformedBody;
    }

    /** Returns how many bytes a head may take at most, so Undertow's own limit never comes first. */
    static int maxHead(ServerConfig config) {
        return config.maxRequestLine() + config.maxHeaderBytes() + 64;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (ready != null) {
            return drain(dst);
        }
        if (state == CLOSED) {
            // a broken body reads as "nothing yet", so Undertow keeps the connection for the 400
            return malformedBody ? 0 : -1;
        }
        if (held == null || held.position() == 0) {
            int from = dst.position();
            int n = next.read(dst);
            if (n <= 0) {
                return n;
            }
            int end = from + n;
            if (state < FIXED) {
                headStart = from;
            }
            int safe = scan(dst, from, end);
            if (state == CLOSED) {
                dst.position(safe);
                if (rejection != null) {
                    ready = ByteBuffer.wrap(REJECT_HEAD);
                    return safe > from ? safe - from : drain(dst);
                }
                return safe > from ? safe - from : malformedBody ? 0 : -1;
            }
            if (safe < end) {
                hold(dst, safe, end);
                dst.position(safe);
            }
            return safe - from;
        }
        if (!held.hasRemaining()) {
            throw new IOException("request head overflow");
        }
        int from = held.position();
        int n = next.read(held);
        if (n <= 0) {
            return n;
        }
        headStart = 0;
        int safe = scan(held, from, from + n);
        int end = held.position();
        if (safe == 0 && state != CLOSED) {
            return 0;
        }
        byte[] valid = new byte[safe];
        held.get(0, valid);
        byte[] rest = new byte[state == CLOSED ? 0 : end - safe];
        held.get(safe, rest);
        held.clear().put(rest);
        if (state == CLOSED && rejection != null) {
            byte[] both = new byte[valid.length + REJECT_HEAD.length];
            System.arraycopy(valid, 0, both, 0, valid.length);
            System.arraycopy(REJECT_HEAD, 0, both, valid.length, REJECT_HEAD.length);
            valid = both;
        }
        updateTimer();
        if (valid.length == 0) {
            return malformedBody ? 0 : -1;
        }
        ready = ByteBuffer.wrap(valid);
        return drain(dst);
    }

    private int drain(ByteBuffer dst) {
        int n = Math.min(ready.remaining(), dst.remaining());
        dst.put(dst.position(), ready, ready.position(), n);
        dst.position(dst.position() + n);
        ready.position(ready.position() + n);
        if (!ready.hasRemaining()) {
            ready = null;
        }
        return n;
    }

    private void hold(ByteBuffer source, int from, int to) {
        if (held == null) {
            held = ByteBuffer.allocate(maxLine + maxHeaderBytes + 64);
        }
        held.put(held.position(), source, from, to - from);
        held.position(held.position() + to - from);
        updateTimer();
    }

    private void updateTimer() {
        boolean partial = held != null && held.position() > 0;
        if (partial && timer == null) {
            timer = connection.getIoThread().executeAfter(this::timedOut, headerTimeoutMillis, TimeUnit.MILLISECONDS);
        } else if (!partial && timer != null) {
            timer.remove();
            timer = null;
        }
    }

    private void timedOut() {
        FerryHandler.closeQuietly(connection);
    }

    /**
     * Checks bytes [from, to) of buf; returns the index up to which they may be handed on. The bytes are
     * copied out in blocks and read from the array: reading a direct buffer byte by byte costs several
     * times more.
     */
    private int scan(ByteBuffer buf, int from, int to) {
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
            if (i >= blockEnd) {
                int n = Math.min(block.length, to - i);
                buf.get(i, block, 0, n);
                base = i;
                blockEnd = i + n;
            }
            if (state == VALUE && (field < 0 || field == 2)) {
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
            if (state >= SIZE && state != DATA_CR && state != DATA_LF && ++chunkLineBytes > maxHeaderBytes) {
                malformedBody = true;
                state = CLOSED;
                return i - 1;
            }
            if (state < FIXED) {
                head(b, i);
                if (state == CLOSED) {
                    return headStart;
                }
            } else if (!chunk(b, i)) {
                malformedBody = true;
                state = CLOSED;
                return i - 1;
            }
        }
        return state < FIXED && headStart < to ? headStart : to;
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
        int stop = Math.min(to, from + Math.max(0, maxLine - lineBytes));
        int i = from;
        while (i < stop) {
            int c = block[i - base] & 0xFF;
            if (c <= 0x20 || c == 0x7F || c == '%') {
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
        state = LINE;
        headStart = at;
        lineBytes = 0;
        versionTail = 0;
        linePart = 0;
        partStart = 0;
        versionStart = 0;
        escape = 0;
        headerBytes = 0;
        fields = 0;
        hosts = 0;
        contentLength = -1;
        chunked = false;
    }

    private void reject(Status status) {
        rejection = status;
        state = CLOSED;
    }

    private void head(int b, int next) {
        if ((state == NAME || state == VALUE || state == VALUE_LF || state == FIELD && b != '\r')
                && ++headerBytes > maxHeaderBytes) {
            reject(Status.REQUEST_HEADER_FIELDS_TOO_LARGE);
            return;
        }
        switch (state) {
            case LINE -> {
                if (b == '\r') {
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
            case LINE_LF -> {
                if (b != '\n') {
                    reject(Status.BAD_REQUEST);
                } else if ((versionTail >>> 24) == HTTP_SLASH && (versionTail >>> 16 & 0xFF) != '1') {
                    reject(Status.HTTP_VERSION_NOT_SUPPORTED);
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
                } else if (field >= 0 && field < 2 && value.length() < 64) {
                    value.append((char) b);
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
        } else if (linePart == 0 && !TOKEN[b]) {
            reject(Status.BAD_REQUEST);
        } else if (linePart == 1) {
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
        String text = field < 2 ? value.toString().strip() : "";
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
            case 2 -> hosts++;
            default -> {
            }
        }
    }

    private void headComplete(int next) {
        if (chunked && contentLength >= 0 || hosts > 1 || hosts == 0 && versionTail == HTTP_1_1) {
            reject(Status.BAD_REQUEST);
        } else if (chunked) {
            state = SIZE;
            remaining = 0;
            sizeDigits = 0;
            chunkLineBytes = 0;
        } else if (contentLength > 0) {
            state = FIXED;
            remaining = contentLength;
        } else {
            startHead(next);
        }
    }

    /** Follows chunked framing; returns false when it is malformed. */
    private boolean chunk(int b, int next) {
        switch (state) {
            case SIZE -> {
                int digit = Character.digit(b, 16);
                if (digit >= 0 && sizeDigits < 15) {
                    remaining = remaining << 4 | digit;
                    sizeDigits++;
                } else if (sizeDigits > 0 && (b == ';' || b == ' ' || b == '\t')) {
                    state = EXT;
                } else if (sizeDigits > 0 && b == '\r') {
                    state = SIZE_LF;
                } else {
                    return false;
                }
            }
            case EXT -> {
                if (b == '\r') {
                    state = SIZE_LF;
                } else if (b == '\n') {
                    return false;
                }
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
            case TRAILER -> state = b == '\r' ? TRAILER_END_LF : b == '\n' ? CLOSED : TRAILER_LINE;
            case TRAILER_LINE -> {
                if (b == '\r') {
                    state = TRAILER_LF;
                } else if (b == '\n') {
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
        return state != CLOSED;
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        for (int k = offset; k < offset + length; k++) {
            if (dsts[k].hasRemaining()) {
                return read(dsts[k]);
            }
        }
        return 0;
    }

    @Override
    public long transferTo(long position, long count, FileChannel target) throws IOException {
        return target.transferFrom(new ConduitReadableByteChannel(this), position, count);
    }

    @Override
    public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) throws IOException {
        return Conduits.transfer(this, count, throughBuffer, target);
    }

    @Override
    public void resumeReads() {
        super.resumeReads();
        if (ready != null) {
            wakeupReads();
        }
    }

    @Override
    public void awaitReadable() throws IOException {
        if (ready == null) {
            super.awaitReadable();
        }
    }

    @Override
    public void awaitReadable(long time, TimeUnit timeUnit) throws IOException {
        if (ready == null) {
            super.awaitReadable(time, timeUnit);
        }
    }
}
