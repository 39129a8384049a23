package dev.ferry.netty.internal;

import dev.ferry.Status;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Engine;
import dev.ferry.spi.HeadCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Netty's request decoder behind the core's {@link HeadCheck}: Netty parses only bytes the check has passed. A
 * refused or late head passes a {@link Refused} on, a broken body a failed last content; the rest is dropped.
 */
final class RequestDecoder extends HttpRequestDecoder {

    /** A whole response refusing a head, to write after the responses before it, and then close. */
    record Refused(byte[] response) {
    }

    /** Passed on when the connection opened with the HTTP/2 preface; the decoder then keeps every byte, the preface first. */
    static final Object HTTP2 = new Object();

    private final HeadCheck check;
    private final long headerTimeoutNanos;
    private int checked; // bytes at and after the reader index that the check has passed
    private boolean refused, http2;
    private Future<?> timer;

    RequestDecoder(ServerConfig config) {
        // the check comes first; Netty's limits stay above it as a backstop (its line limit bounds chunk lines too)
        super(new HttpDecoderConfig().setMaxInitialLineLength(config.maxRequestLine() + config.maxHeaderBytes() + 64)
                .setMaxHeaderSize(config.maxHeaderBytes() + 1024).setMaxChunkSize(64 * 1024)
                .setAllowDuplicateContentLengths(false).setStrictLineParsing(true));
        this.check = HeadCheck.following(config);
        this.headerTimeoutNanos = config.requestHeaderTimeout().toNanos();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        startTimer(ctx); // a new connection that sends nothing is timed as a head is, not as an idle one
        super.channelActive(ctx);
    }

    private void startTimer(ChannelHandlerContext ctx) { // a head not complete within the header timeout gets 408
        timer = ctx.executor().schedule(() -> {
            if (!refused) {
                refused = true;
                ctx.fireChannelRead(new Refused(Engine.refusal(Status.REQUEST_TIMEOUT, Status.REQUEST_TIMEOUT.reason())));
                ctx.fireChannelReadComplete();
            }
        }, headerTimeoutNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        if (timer != null) { // the connection went on to HTTP/2 or WebSocket
            timer.cancel(false);
        }
        super.handlerRemoved0(ctx);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) { // Netty would drop CL
        throw new IllegalArgumentException("Content-Length together with Transfer-Encoding"); // request smuggling
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (http2) {
            return; // left for the HTTP/2 codec, which takes the place of this decoder
        }
        if (refused) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int at = in.readerIndex() + checked;
        for (int n; (n = in.writerIndex() - at) > 0 && !check.failed(); ) {
            ByteBuffer bytes = in.nioBufferCount() == 1 ? in.internalNioBuffer(at, n) : in.nioBuffer(at, n);
            at += check.scan(bytes, bytes.position(), bytes.position() + n) - bytes.position();
        }
        if (check.http2()) {
            http2 = true;
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
            // fired now, not added to out: the bytes stay unread, and the connection removes this decoder,
            // which then hands them to the HTTP/2 codec
            ctx.fireChannelRead(HTTP2);
            return;
        }
        if (!check.inHead() && timer != null) {
            timer.cancel(false);
            timer = null;
        } else if (check.inHead() && timer == null) {
            startTimer(ctx);
        }
        // Netty decodes only what the check has passed
        int before = in.readerIndex();
        int decoded = out.size();
        int end = in.writerIndex();
        super.decode(ctx, in.writerIndex(at), out);
        in.writerIndex(end);
        checked = at - in.readerIndex();
        if (check.failed() && in.readerIndex() == before && out.size() == decoded) {
            // Netty has taken all before the failure: the head is refused, or the body's reads fail
            refused = true;
            in.skipBytes(in.readableBytes());
            HttpObject failure = check.malformedBody() ? new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER) : null;
            if (failure != null) {
                failure.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("malformed chunked body")));
            }
            out.add(failure != null ? failure : new Refused(check.refusalBytes()));
        } else if (out.size() > decoded && out.getLast() instanceof HttpObject last && last.decoderResult().isFailure()) {
            // Netty's own checks, behind the head check: a head is refused, a body's reads fail
            refused = true;
            if (last instanceof HttpRequest) {
                ReferenceCountUtil.release(out.removeLast());
                out.add(new Refused(Engine.refusal(Status.BAD_REQUEST, Status.BAD_REQUEST.reason())));
            }
        }
    }

    /** Returns whether bytes that came after the last message passed on are still held. */
    boolean holdsBytes() {
        return actualReadableBytes() > 0;
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        in.skipBytes(in.readableBytes()); // the client closed its side: a partial message is dropped
    }
}
