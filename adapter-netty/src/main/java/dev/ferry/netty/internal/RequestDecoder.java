package dev.ferry.netty.internal;

import dev.ferry.Status;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;
import java.util.List;

/**
 * Netty's request decoder behind a strict check of each request head. Netty's parser is lenient
 * where the contract is not (bare LF, obs-fold, whitespace before a colon, lines without a colon)
 * and has no header count limit, so every byte of a head is checked here once, before Netty parses
 * it; a head that fails passes a {@link Malformed} down the pipeline instead and the rest of the
 * connection's input is dropped. Bodies are not scanned: the check resumes when the connection
 * handler reports the end of the message with {@link #expectHead()}.
 */
final class RequestDecoder extends HttpRequestDecoder {

    /** Told when the first byte of a request head arrives, for the request header timeout. */
    interface HeadListener {
        void headStarted();
    }

    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private enum Phase { LEADING, LINE, FIELD_START, NAME, VALUE, BODY, FAILED }

    private final int maxRequestLine;
    private final int maxHeaderBytes;
    private final int maxHeaderCount;
    private final HeadListener listener;

    private Phase phase = Phase.LEADING;
    private boolean restart;
    /** Bytes at and after the reader index that were already checked. */
    private int checked;
    private boolean afterCr;
    private int lineLength;
    private int spaces;
    private boolean lastWasSpace;
    private int headerBytes;
    private int headerCount;
    private final byte[] scratch = new byte[512];

    RequestDecoder(int maxRequestLine, int maxHeaderBytes, int maxHeaderCount, HeadListener listener) {
        super(new HttpDecoderConfig()
                // the checks here come first; Netty's own limits stay as a backstop
                .setMaxInitialLineLength(maxRequestLine + 64)
                .setMaxHeaderSize(maxHeaderBytes + 1024)
                .setMaxChunkSize(64 * 1024)
                .setAllowDuplicateContentLengths(false)
                .setStrictLineParsing(true));
        this.maxRequestLine = maxRequestLine;
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxHeaderCount = maxHeaderCount;
        this.listener = listener;
    }

    /** Called by the connection handler when a whole request, body included, has been decoded. */
    void expectHead() {
        restart = true;
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        // Netty would drop Content-Length; the contract refuses the message (request smuggling)
        throw new IllegalArgumentException("Content-Length together with Transfer-Encoding");
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (restart) {
            reset(0);
        }
        if (phase == Phase.FAILED) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (phase != Phase.BODY) {
            Malformed malformed = check(in);
            if (malformed != null) {
                phase = Phase.FAILED;
                in.skipBytes(in.readableBytes());
                out.add(malformed);
                return;
            }
        }
        int before = in.readerIndex();
        super.decode(ctx, in, out);
        if (restart) {
            reset(0);
        } else {
            checked = Math.max(0, checked - (in.readerIndex() - before));
        }
    }

    private void reset(int alreadyChecked) {
        restart = false;
        phase = Phase.LEADING;
        checked = alreadyChecked;
        afterCr = false;
        lineLength = 0;
        spaces = 0;
        lastWasSpace = false;
        headerBytes = 0;
        headerCount = 0;
    }

    /** Checks the unchecked bytes of the head, copied out in blocks; returns why it is refused, or null. */
    private Malformed check(ByteBuf in) {
        int start = in.readerIndex() + checked;
        int end = in.writerIndex();
        int at = start;
        byte[] block = scratch;
        while (at < end && phase != Phase.BODY) {
            int n = Math.min(block.length, end - at);
            in.getBytes(at, block, 0, n);
            int i = 0;
            while (i < n) {
                if (!afterCr) {
                    i = skipPlain(block, i, n);
                    if (i == n) {
                        break;
                    }
                }
                Malformed why = accept(block[i++]);
                if (why != null) {
                    return why;
                }
                if (phase == Phase.BODY) {
                    break;
                }
            }
            at += i;
        }
        checked += at - start;
        return null;
    }

    /**
     * Passes over the run of bytes from {@code i} that {@link #accept} would only count: visible ASCII
     * in the request line and in a field name (up to the colon), and anything but a control byte in a
     * field value. Stops where a limit would be crossed, so that {@code accept} reports it.
     */
    private int skipPlain(byte[] block, int i, int n) {
        int j = i;
        switch (phase) {
            case LINE -> {
                int stop = Math.min(n, i + Math.max(0, maxRequestLine - lineLength));
                while (j < stop && block[j] > ' ' && block[j] != 0x7F) {
                    j++;
                }
                if (j > i) {
                    lineLength += j - i;
                    lastWasSpace = false;
                }
            }
            case NAME -> {
                int stop = Math.min(n, i + Math.max(0, maxHeaderBytes - headerBytes));
                while (j < stop && block[j] > ' ' && block[j] != 0x7F && block[j] != ':') {
                    j++;
                }
                headerBytes += j - i;
            }
            case VALUE -> {
                int stop = Math.min(n, i + Math.max(0, maxHeaderBytes - headerBytes));
                while (j < stop) {
                    byte c = block[j];
                    if (c >= 0 && c < 0x20 && c != '\t' || c == 0x7F) {
                        break;
                    }
                    j++;
                }
                headerBytes += j - i;
            }
            default -> {
            }
        }
        return j;
    }

    private Malformed accept(byte b) {
        Phase now = phase;
        if (b > ' ' && b != 0x7F && !afterCr) {
            // the common case: a visible ASCII byte inside a line
            if (now == Phase.VALUE) {
                return ++headerBytes > maxHeaderBytes ? tooLarge() : null;
            }
            if (now == Phase.NAME && b != ':') {
                return ++headerBytes > maxHeaderBytes ? tooLarge() : null;
            }
            if (now == Phase.LINE) {
                lastWasSpace = false;
                return ++lineLength > maxRequestLine ? new Malformed(Status.URI_TOO_LONG, "request line too long") : null;
            }
        }
        if (now == Phase.LINE) {
            lineLength++;
        } else if (phase != Phase.LEADING) {
            if (++headerBytes > maxHeaderBytes) {
                return tooLarge();
            }
        }
        if (afterCr) {
            if (b != LF) {
                return bad("bare CR");
            }
            afterCr = false;
            return endOfLine();
        }
        if (b == CR) {
            afterCr = true;
            return null;
        }
        if (b == LF) {
            return bad("bare LF");
        }
        switch (phase) {
            case LEADING -> {
                phase = Phase.LINE;
                lineLength = 1;
                listener.headStarted();
                return lineByte(b);
            }
            case LINE -> {
                if (lineLength > maxRequestLine) {
                    return new Malformed(Status.URI_TOO_LONG, "request line too long");
                }
                return lineByte(b);
            }
            case FIELD_START -> {
                if (b == ' ' || b == '\t') {
                    return bad("obs-fold or whitespace before a field name");
                }
                if (b == ':') {
                    return bad("empty field name");
                }
                if (++headerCount > maxHeaderCount) {
                    return new Malformed(Status.REQUEST_HEADER_FIELDS_TOO_LARGE, "too many header fields");
                }
                phase = Phase.NAME;
                return null;
            }
            case NAME -> {
                if (b == ':') {
                    phase = Phase.VALUE;
                } else if (b == ' ' || b == '\t') {
                    return bad("whitespace before the colon");
                }
                return null;
            }
            case VALUE -> {
                if ((b >= 0 && b < 0x20 && b != '\t') || b == 0x7F) {
                    return bad("control character in a field value");
                }
                return null;
            }
            default -> {
                return null;
            }
        }
    }

    private Malformed lineByte(byte b) {
        if (b == ' ') {
            if (lastWasSpace || lineLength == 1) {
                return bad("empty element in the request line");
            }
            spaces++;
            lastWasSpace = true;
            return null;
        }
        lastWasSpace = false;
        if ((b >= 0 && b < 0x20) || b == 0x7F) {
            return bad("control character in the request line");
        }
        return null;
    }

    private Malformed endOfLine() {
        switch (phase) {
            case LEADING -> {
                // empty lines before a request line are ignored, a few of them
                if (++lineLength > 8) {
                    return bad("too many empty lines");
                }
                return null;
            }
            case LINE -> {
                if (lineLength - 1 > maxRequestLine) {
                    return new Malformed(Status.URI_TOO_LONG, "request line too long");
                }
                if (spaces != 2 || lastWasSpace) {
                    return bad("request line is not method, target and version");
                }
                phase = Phase.FIELD_START;
                return null;
            }
            case FIELD_START -> {
                phase = Phase.BODY;
                return null;
            }
            case NAME -> {
                return bad("field line without a colon");
            }
            case VALUE -> {
                phase = Phase.FIELD_START;
                return null;
            }
            default -> {
                return null;
            }
        }
    }

    private static Malformed tooLarge() {
        return new Malformed(Status.REQUEST_HEADER_FIELDS_TOO_LARGE, "header section too large");
    }

    private static Malformed bad(String why) {
        return new Malformed(Status.BAD_REQUEST, why);
    }
}
