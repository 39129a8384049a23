package dev.ferry.netty.internal;

import dev.ferry.server.ServerConfig;
import dev.ferry.spi.HeadCheck;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Netty's request decoder behind the core's {@link HeadCheck}. Netty's parser is lenient where the
 * contract is not (bare LF, obs-fold, whitespace before a colon, lines without a colon) and has no
 * header count limit, so every byte of a head is checked once, before Netty parses it; a head that
 * fails passes a {@link Malformed} down the pipeline instead and the rest of the connection's input is
 * dropped. Bodies are framed by Netty: the check resumes when Netty has decoded the end of the message.
 */
final class RequestDecoder extends HttpRequestDecoder {

    /** Told when the first byte of a request head arrives, for the request header timeout. */
    interface HeadListener {
        void headStarted();
    }

    private final HeadCheck check;
    private final HeadListener listener;

    private boolean started;
    /** Bytes at and after the reader index that were already checked. */
    private int checked;

    RequestDecoder(ServerConfig config, HeadListener listener) {
        super(new HttpDecoderConfig()
                // the check comes first; Netty's own limits stay as a backstop
                .setMaxInitialLineLength(config.maxRequestLine() + 64)
                .setMaxHeaderSize(config.maxHeaderBytes() + 1024)
                .setMaxChunkSize(64 * 1024)
                .setAllowDuplicateContentLengths(false)
                .setStrictLineParsing(true));
        this.check = HeadCheck.headsOnly(config);
        this.listener = listener;
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        // Netty would drop Content-Length; the contract refuses the message (request smuggling)
        throw new IllegalArgumentException("Content-Length together with Transfer-Encoding");
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (check.failed()) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (!check.paused()) {
            check(in);
            if (check.failed()) {
                in.skipBytes(in.readableBytes());
                out.add(new Malformed(check.refusal()));
                return;
            }
        }
        int before = in.readerIndex();
        int decoded = out.size();
        super.decode(ctx, in, out);
        if (out.size() > decoded && out.getLast() instanceof LastHttpContent) {
            // Netty returns at the end of each message, so the next byte starts a head; the connection
            // may take the message much later, so the check cannot wait for it
            restart();
        } else {
            checked = Math.max(0, checked - (in.readerIndex() - before));
        }
    }

    private void restart() {
        started = false;
        checked = 0;
        check.expectHead();
    }

    /** Runs the check over the bytes not yet checked, up to the end of the head. */
    private void check(ByteBuf in) {
        int at = in.readerIndex() + checked;
        int end = in.writerIndex();
        while (at < end && !check.paused() && !check.failed()) {
            ByteBuffer bytes = in.nioBufferCount() == 1 ? in.internalNioBuffer(at, end - at) : in.nioBuffer(at, end - at);
            int base = bytes.position();
            at += check.scan(bytes, base, base + end - at) - base;
        }
        checked = at - in.readerIndex();
        if (!started && (check.inHead() || check.paused())) {
            started = true;
            listener.headStarted();
        }
    }
}
