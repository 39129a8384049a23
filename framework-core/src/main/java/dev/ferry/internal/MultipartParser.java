package dev.ferry.internal;

import dev.ferry.HttpException;
import dev.ferry.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Splits a {@code multipart/form-data} body into parts as it streams in (RFC 2046 section 5.1, RFC
 * 7578), through one fixed buffer whatever the size of the parts.
 *
 * <p>The delimiter {@code CRLF "--" boundary} starts with CR, and a boundary holds no CR (RFC 2046's
 * bchars), so after a mismatch at offset k of a candidate the next candidate starts at the mismatch
 * or later: every byte is compared a bounded number of times, and a partial match at the end of the
 * buffer is resumed where it stopped after the next read, never rescanned. The body is read as if it
 * began with CRLF, so that a first delimiter at offset 0 needs no special case.
 */
public final class MultipartParser {

    /** Bytes read from the body at a time; the buffer holds this plus one delimiter. */
    static final int CHUNK = 16 * 1024;

    private enum State { PREAMBLE, HEADERS, CONTENT, DONE }

    private final InputStream in;
    private final byte[] delimiter;
    private final byte[] buf;
    private final int maxParts;
    private final long maxPartSize;
    private final int maxHeaderBytes;
    private int pos;
    private int limit;
    private boolean eof;
    // resumable search state: the candidate's index, how much of the delimiter matched there, and the
    // index below which no delimiter can start
    private int scan;
    private int matched;
    private int safe;
    private State state = State.PREAMBLE;
    private int parts;
    private long partSize;
    private String partName;

    /**
     * Creates a parser of the body for the boundary, which must already be {@link #checkBoundary checked}.
     */
    public MultipartParser(InputStream in, String boundary, int maxParts, long maxPartSize, int maxHeaderBytes) {
        this.in = in;
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.buf = new byte[CHUNK + delimiter.length + 2];
        this.maxParts = maxParts;
        this.maxPartSize = maxPartSize;
        this.maxHeaderBytes = maxHeaderBytes;
        buf[0] = '\r';
        buf[1] = '\n';
        limit = 2;
    }

    /** Returns null when the boundary is valid (RFC 2046: 1 to 70 bchars, not ending in a space), else why not. */
    public static String checkBoundary(String boundary) {
        if (boundary == null || boundary.isEmpty()) {
            return "the Content-Type has no boundary parameter";
        }
        if (boundary.length() > 70) {
            return "the boundary is longer than 70 characters";
        }
        for (int i = 0; i < boundary.length(); i++) {
            char c = boundary.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "'()+_,-./:=? ".indexOf(c) >= 0;
            if (!ok) {
                return "the boundary holds a character RFC 2046 does not allow";
            }
        }
        if (boundary.endsWith(" ")) {
            return "the boundary ends with a space";
        }
        return null;
    }

    /**
     * Skips what is left of the current part and reads the next part's header block, returned as
     * alternating names and values (octets as ISO-8859-1 characters); returns null after the closing
     * delimiter.
     *
     * @throws HttpException 400 when the body is malformed, 413 when a limit is passed
     */
    public String[] next() throws IOException {
        if (state == State.CONTENT) {
            byte[] skip = new byte[8192];
            while (read(skip, 0, skip.length) >= 0) {
                // discard the rest of the part
            }
        }
        if (state == State.PREAMBLE) {
            skipPreamble();
        }
        if (state == State.DONE) {
            return null;
        }
        // state == HEADERS: just past a delimiter
        if (!afterDelimiter()) {
            state = State.DONE;
            return null;
        }
        if (++parts > maxParts) {
            throw new HttpException(Status.CONTENT_TOO_LARGE, "Content Too Large: the form has more than " + maxParts + " parts");
        }
        String[] fields = headers();
        state = State.CONTENT;
        partSize = 0;
        partName = null;
        return fields;
    }

    /** Names the current part in limit messages. */
    public void partName(String name) {
        this.partName = name;
    }

    /** Returns how many parts have started so far. */
    public int parts() {
        return parts;
    }

    /**
     * Reads content of the current part; returns -1 at its end.
     *
     * @throws HttpException 400 when the body ends inside the part, 413 when the part passes its limit
     */
    public int read(byte[] b, int off, int len) throws IOException {
        if (state != State.CONTENT) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        while (true) {
            if (pos < safe) {
                int n = Math.min(len, safe - pos);
                System.arraycopy(buf, pos, b, off, n);
                pos += n;
                partSize += n;
                if (partSize > maxPartSize) {
                    throw new HttpException(Status.CONTENT_TOO_LARGE, "Content Too Large: part "
                            + (partName == null ? "" : "'" + Fields.printable(partName) + "' ")
                            + "is larger than " + maxPartSize + " bytes");
                }
                return n;
            }
            int found = search();
            if (found == pos) {
                consumeDelimiter();
                state = State.HEADERS;
                return -1;
            }
            if (pos < safe) {
                continue;
            }
            if (fill() < 0) {
                throw malformed("the body ended inside a part, without the closing boundary");
            }
        }
    }

    private void skipPreamble() throws IOException {
        long skipped = 0;
        while (true) {
            int found = search();
            if (found >= 0) {
                consumeDelimiter();
                state = State.HEADERS;
                return;
            }
            skipped += safe - pos;
            pos = safe;
            if (skipped > maxHeaderBytes) {
                throw malformed("the body does not start with the boundary of its Content-Type");
            }
            if (fill() < 0) {
                throw malformed(parts == 0 && skipped <= 2 ? "the body is empty" : "the body does not hold the boundary of its Content-Type");
            }
        }
    }

    private void consumeDelimiter() {
        pos = scan + delimiter.length;
        scan = pos;
        safe = pos;
        matched = 0;
    }

    /**
     * Reads what follows a delimiter: {@code --} closes the body (the epilogue is left unread), else
     * optional spaces and tabs (transport padding) and CRLF open a part.
     */
    private boolean afterDelimiter() throws IOException {
        int first = nextByte();
        if (first == '-') {
            if (nextByte() != '-') {
                throw malformed("a boundary line is followed by a lone '-'");
            }
            return false;
        }
        int b = first;
        int padding = 0;
        while (b == ' ' || b == '\t') {
            if (++padding > maxHeaderBytes) {
                throw malformed("a boundary line is followed by too much padding");
            }
            b = nextByte();
        }
        if (b < 0) {
            throw malformed("the body ended after a boundary, without the closing boundary");
        }
        if (b != '\r' || nextByte() != '\n') {
            throw malformed("a boundary is followed by something other than CRLF or --");
        }
        return true;
    }

    /** Reads a part's header lines up to the empty line. */
    private String[] headers() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        String[] fields = new String[8];
        int size = 0;
        int total = 0;
        while (true) {
            line.reset();
            while (true) {
                int b = nextByte();
                if (b < 0) {
                    throw malformed("the body ended inside a part's headers");
                }
                if (++total > maxHeaderBytes) {
                    throw new HttpException(Status.CONTENT_TOO_LARGE,
                            "Content Too Large: a part's headers are larger than " + maxHeaderBytes + " bytes");
                }
                if (b == '\r') {
                    if (nextByte() != '\n') {
                        throw malformed("a part header line holds a bare CR");
                    }
                    total++;
                    break;
                }
                if (b == '\n') {
                    throw malformed("a part header line ends with a bare LF");
                }
                line.write(b);
            }
            if (line.size() == 0) {
                return java.util.Arrays.copyOf(fields, size);
            }
            String text = line.toString(StandardCharsets.ISO_8859_1);
            if (text.charAt(0) == ' ' || text.charAt(0) == '\t') {
                throw malformed("a part header is folded over lines");
            }
            int colon = text.indexOf(':');
            if (colon <= 0 || !Fields.isToken(text.substring(0, colon))) {
                throw malformed("a part header line is not 'name: value'");
            }
            String value = text.substring(colon + 1).strip();
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c < 0x20 && c != '\t' || c == 0x7F) {
                    throw malformed("a part header value holds a control character");
                }
            }
            if (size == fields.length) {
                fields = java.util.Arrays.copyOf(fields, size * 2);
            }
            fields[size++] = text.substring(0, colon);
            fields[size++] = value;
        }
    }

    /**
     * Searches the buffered bytes for the delimiter from where the last search stopped; returns its
     * index or -1, and sets {@link #safe} to the index below which the bytes are content.
     */
    private int search() {
        int i = Math.max(scan, pos);
        int j = i == scan ? matched : 0;
        int n = delimiter.length;
        byte[] b = buf;
        while (true) {
            if (j == 0) {
                while (i < limit && b[i] != '\r') {
                    i++;
                }
                if (i == limit) {
                    scan = i;
                    matched = 0;
                    safe = i;
                    return -1;
                }
                j = 1;
            }
            while (j < n && i + j < limit && b[i + j] == delimiter[j]) {
                j++;
            }
            if (j == n || i + j == limit) {
                scan = i;
                matched = j;
                safe = i;
                return j == n ? i : -1;
            }
            // bytes i+1 .. i+j-1 matched the delimiter, which has no CR after its first byte
            i += j;
            j = 0;
        }
    }

    private int nextByte() throws IOException {
        if (pos == limit && fill() < 0) {
            return -1;
        }
        int b = buf[pos++] & 0xFF;
        // bytes read one by one are never content: the next search starts after them
        scan = pos;
        matched = 0;
        safe = pos;
        return b;
    }

    /** Moves the unread bytes to the front and reads more; returns the count read or -1 at the end. */
    private int fill() throws IOException {
        if (eof) {
            return -1;
        }
        if (pos > 0) {
            int keep = limit - pos;
            System.arraycopy(buf, pos, buf, 0, keep);
            scan -= pos;
            safe -= pos;
            limit = keep;
            pos = 0;
        }
        int n = in.read(buf, limit, buf.length - limit);
        if (n < 0) {
            eof = true;
            return -1;
        }
        limit += n;
        return n;
    }

    private static HttpException malformed(String why) {
        return new HttpException(Status.BAD_REQUEST, "Bad Request: malformed multipart body: " + why);
    }
}
