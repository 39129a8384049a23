package dev.ferry.netty.internal;

import dev.ferry.HttpException;
import dev.ferry.Status;
import dev.ferry.server.Execution;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Engine;
import dev.ferry.spi.Exchange;
import dev.ferry.spi.ResponseHead;
import dev.ferry.spi.WebSocketUpgrade;
import dev.ferry.spi.WorkerBatch;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.SingleThreadEventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * One HTTP/1.1 connection and the exchange it serves, one request at a time: heads go out as raw bytes
 * written from the {@link ResponseHead}; the socket is not read while requests, body or response bytes wait.
 */
final class Connection extends ChannelInboundHandlerAdapter implements Exchange, BiConsumer<String, String> {

    private static final int COPY_LIMIT = 64 * 1024; // whole bodies up to this size go behind the head, in one buffer
    private static final short CRLF = ('\r' << 8) | '\n';
    private static final byte[] HTTP_1_1 = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);
    private static final FastThreadLocal<WorkerBatch> BATCHES = new FastThreadLocal<>();
    private static final int BODY_HIGH = 256 * 1024; // request body bytes waiting for the app before the socket is not read

    private final SocketChannel channel;
    private final Engine engine;
    private final ServerConfig config;
    private final Runnable serve;
    private final IdleStateHandler idle;
    private final boolean inline;
    private final long idleNanos, bodyNanos;
    private final ArrayDeque<Object> backlog = new ArrayDeque<>(); // what arrives while a request is served
    private boolean draining, closing, inputClosed;
    // the request being served, on the event loop; its response, on the thread that serves it
    private HttpRequest request;
    private BodyStream body;
    private boolean serving, requestDone, chunked, closes;
    private ByteBuf out;

    private final boolean secure;

    Connection(SocketChannel channel, Engine engine, ServerConfig config, IdleStateHandler idle) {
        this.channel = channel;
        this.engine = engine;
        this.config = config;
        this.serve = () -> engine.serve(this);
        this.idle = idle;
        this.secure = config.tls().isPresent();
        this.inline = config.execution().orElse(Execution.VIRTUAL_THREADS) == Execution.IO_THREAD;
        this.idleNanos = config.idleTimeout().toNanos();
        this.bodyNanos = config.bodyReadTimeout().toNanos();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
        } else if (!backlog.isEmpty() || serving && (requestDone || !(msg instanceof HttpContent))) {
            backlog.add(msg);
            updateReading();
        } else {
            handle(msg);
        }
    }

    private void handle(Object msg) {
        if (msg == RequestDecoder.HTTP2) { // the preface: the connection goes to Netty's HTTP/2 codec, the preface first
            toHttp2();
        } else if (msg instanceof RequestDecoder.Refused refused) {
            channel.write(Unpooled.wrappedBuffer(refused.response()), channel.voidPromise());
            closeGracefully(true);
        } else if (msg instanceof HttpRequest head) {
            request = head;
            serving = true;
            requestDone = false;
            var fields = head.headers();
            body = fields.contains(HttpHeaderNames.CONTENT_LENGTH) || fields.contains(HttpHeaderNames.TRANSFER_ENCODING)
                    ? new BodyStream(channel, this::updateReading, bodyNanos, BODY_HIGH) : null;
            if (body != null) {
                startWorker(channel, serve); // the app reads the body as it arrives, off the event loop
            }
        } else if (msg instanceof HttpContent content) {
            requestDone = content instanceof LastHttpContent && content.decoderResult().isSuccess();
            if (body != null) {
                if (content.decoderResult().isFailure()) { // malformed framing fails the reads with 400
                    content.release();
                    body.fail(new HttpException(Status.BAD_REQUEST));
                } else if (body.offer(content.content())) {
                    updateReading();
                }
                if (requestDone) {
                    body.end();
                }
            } else if (inline) {
                serve.run(); // a request without a body is whole with its (empty) last content
            } else {
                startWorker(channel, serve);
            }
        }
    }

    /** Hands the connection to Netty's HTTP/2 codec, with the bytes the decoder holds; on the event loop. */
    private void toHttp2() {
        closing = true;
        Http2Stream.install(channel, engine, config, idle);
        channel.pipeline().remove(this);
        channel.pipeline().remove(RequestDecoder.class); // hands the bytes it holds on to the codec
    }

    /** Writes the last of a response, then moves on as its head says; from any thread, after its earlier writes. */
    private void finish(Object message, Object more, boolean close) {
        if (!channel.eventLoop().inEventLoop()) {
            try {
                channel.eventLoop().execute(() -> finish(message, more, close));
            } catch (RejectedExecutionException stopped) {
                ReferenceCountUtil.release(message);
                ReferenceCountUtil.release(more);
            }
            return;
        }
        channel.write(message, channel.voidPromise());
        if (more instanceof ChunkedInput<?> && channel.pipeline().get(ChunkedWriteHandler.class) == null) {
            // a file over TLS, read as the connection drains: the handler that does it is added once it is needed
            channel.pipeline().addAfter(channel.pipeline().context(SslHandler.class).name(), null, new ChunkedWriteHandler());
        }
        if (more != null) {
            channel.write(more, channel.voidPromise());
        }
        channel.flush(); // during a read, the FlushConsolidationHandler holds it to the read's end
        idle.resetReadTimeout(); // the idle time starts now, not at the last read before a long response
        if (body != null) { // the engine has read all it will, on the thread that sent this: drop what is left
            body.fail(new IOException("the exchange is over"));
            body.release();
        }
        if (close || !requestDone) {
            // a client that sent nothing after its whole request gets no reset that could destroy the answer
            closeGracefully(!requestDone || !backlog.isEmpty() || channel.pipeline().get(RequestDecoder.class).holdsBytes());
            return;
        }
        serving = false;
        if (!draining) { // the requests that arrived meanwhile; one served inline ends inside this loop
            draining = true;
            for (Object msg; !closing && (!serving || !requestDone) && (msg = backlog.poll()) != null; ) {
                handle(msg);
            }
            draining = false;
            updateReading();
            if (inputClosed && !serving) {
                closeGracefully(true);
            }
        }
    }

    /** Reads from the socket only while no pipelined request, unread body or unsent response waits. */
    private void updateReading() {
        channel.config().setAutoRead(closing || backlog.isEmpty() && channel.isWritable()
                && (body == null || !body.full(channel.config().isAutoRead())));
    }

    /**
     * Closes once what was written is out. When the client may still be sending ({@code linger}), sends FIN and
     * drops what it sends for a moment first, so that no reset destroys the last response.
     */
    private void closeGracefully(boolean linger) {
        if (!closing) {
            closing = true; // reads on, dropping what arrives; the backlog is released once the channel closes
            updateReading();
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
                SslHandler tls = channel.pipeline().get(SslHandler.class);
                if (!written.isSuccess() || inputClosed || !linger) {
                    channel.close(); // over TLS, the SslHandler sends close_notify first
                } else if (tls != null) {
                    // close_notify before the TCP half-close, or the client sees its input truncated
                    tls.closeOutbound().addListener(sent -> lingerAfterLastResponse());
                } else {
                    lingerAfterLastResponse();
                }
            });
        }
    }

    /**
     * Ends the output and closes once the client has, or after {@link Engine#LINGER}, so that its last bytes in
     * flight are not reset.
     */
    private void lingerAfterLastResponse() {
        channel.shutdownOutput();
        var lingerEnds = channel.eventLoop().schedule(() -> channel.close(), Engine.LINGER.toNanos(), TimeUnit.NANOSECONDS);
        channel.closeFuture().addListener(closed -> lingerEnds.cancel(false)); // else it holds the channel until then
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent done && done.isSuccess() && !serving
                && "h2".equals(channel.pipeline().get(SslHandler.class).engine().getApplicationProtocol())) {
            toHttp2(); // ALPN chose h2: the client's first bytes must be the preface, which the codec checks
        } else if (event instanceof IdleStateEvent && !serving) {
            channel.close(); // a body that stops arriving fails its reads at the body read timeout instead
        } else if (event instanceof ChannelInputShutdownEvent) {
            inputClosed = true; // the client sent all it will send: answer what it asked, then close
            if (closing && channel.isOutputShutdown()) {
                channel.close(); // lingering after the last response: nothing is left to wait for
            } else if (!serving) {
                closeGracefully(true); // once what was written is out
            } else if (!requestDone) {
                body.fail(new HttpException(Status.BAD_REQUEST)); // the client ended the request before its body
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        if (serving && body != null) {
            body.fail(new IOException("the connection was closed"));
        }
        backlog.forEach(ReferenceCountUtil::release);
        backlog.clear();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) { updateReading(); }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) { channel.close(); }

    @Override
    public String method() { return request.method().name(); }

    @Override
    public String target() { return request.uri(); }

    @Override
    public String version() { return request.protocolVersion().text(); }

    @Override
    public void headers(BiConsumer<String, String> action) {
        for (var fields = request.headers().iteratorCharSequence(); fields.hasNext(); ) {
            var field = fields.next();
            action.accept(field.getKey().toString(), field.getValue().toString());
        }
    }

    @Override
    public InetSocketAddress remoteAddress() { return channel.remoteAddress(); } // known since the connection opened

    @Override
    public String scheme() { return secure ? "https" : "http"; }

    @Override
    public InputStream body() { return body; }

    @Override
    public void sendContinue() throws IOException { push(Unpooled.copiedBuffer("HTTP/1.1 100 Continue\r\n\r\n", StandardCharsets.US_ASCII)); }

    @Override
    public void send(ResponseHead head, ByteBuffer content) {
        int length = head.framing() == ResponseHead.Framing.NONE ? 0 : content.remaining();
        ByteBuf bytes = encode(head, Math.min(length, COPY_LIMIT));
        // a whole response comes from an immutable body: a large one is sent without a copy
        finish(length <= COPY_LIMIT ? bytes.writeBytes(content.duplicate()) : bytes,
                length <= COPY_LIMIT ? null : Unpooled.wrappedBuffer(content.duplicate()), head.closes());
    }

    @Override
    public void sendFile(ResponseHead head, Path file, long position, long count) throws IOException {
        FileChannel region = FileChannel.open(file);
        // a file region bypasses the SslHandler: over TLS the file goes in chunks, read as the connection drains
        finish(encode(head, 0), secure ? new ChunkedNioFile(region, position, count, 16 * 1024)
                : new DefaultFileRegion(region, position, count), head.closes());
    }

    @Override
    public void writeHead(ResponseHead head) {
        chunked = head.framing() == ResponseHead.Framing.CHUNKED;
        closes = head.closes();
        channel.write(encode(head, 0), channel.voidPromise()); // flushed with the first bytes after it
    }

    @Override
    public void write(ByteBuffer bytes) throws IOException {
        int n = bytes.remaining(); // copied: the caller may reuse its buffer once this returns
        ByteBuf buffer = channel.alloc().ioBuffer(n + 12);
        if (chunked && n > 0) { // an empty chunk would end the body
            buffer.writeCharSequence(Integer.toHexString(n), StandardCharsets.US_ASCII);
            push(buffer.writeShort(CRLF).writeBytes(bytes).writeShort(CRLF));
        } else {
            push(buffer.writeBytes(bytes));
        }
    }

    @Override
    public void flush() { channel.flush(); }

    @Override
    public void end() {
        finish(chunked ? Unpooled.copiedBuffer("0\r\n\r\n", StandardCharsets.US_ASCII) : Unpooled.EMPTY_BUFFER, null, closes);
    }

    @Override
    public void abort() { channel.close(); }

    @Override
    public boolean onIoThread() { return channel.eventLoop().inEventLoop(); }

    @Override
    public boolean webSockets() { return true; }

    /** Writes the 101 head and swaps the HTTP handlers for Netty's WebSocket frame codec, on the event loop. */
    @Override
    public void upgrade(WebSocketUpgrade upgrade) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> upgrade(upgrade));
            return;
        }
        if (!channel.isActive()) {
            upgrade.open(new NettyWebSocket(channel)).ended(null);
            return;
        }
        channel.write(encode(upgrade.head(), 0), channel.voidPromise());
        NettyWebSocket socket = new NettyWebSocket(channel);
        socket.events(upgrade.open(socket));
        int max = upgrade.maxMessageSize();
        var decoder = new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder().expectMaskedFrames(true)
                .allowMaskMismatch(false).allowExtensions(upgrade.deflate().isPresent()).maxFramePayloadLength(max)
                .closeOnProtocolViolation(false).build());
        var pipeline = channel.pipeline();
        pipeline.addLast(decoder, new WebSocket13FrameEncoder(false));
        upgrade.deflate().ifPresent(agreed -> {
            var deflate = NettyWebSocket.deflate(agreed, max);
            pipeline.addLast(new NettyWebSocket.ReservedBits(), deflate.newExtensionDecoder(),
                    deflate.newExtensionEncoder());
        });
        pipeline.addLast(new Utf8FrameValidator(false), new WebSocketFrameAggregator(max), socket);
        backlog.forEach(ReferenceCountUtil::release);
        backlog.clear();
        pipeline.remove(this);
        pipeline.remove(idle); // the core runs the WebSocket idle timeout
        pipeline.remove(RequestDecoder.class); // what it holds beyond the request goes on to the frame decoder
        channel.flush();
        channel.config().setAutoRead(true);
    }

    /** Runs the task on a virtual thread, started with the others handed off in this turn of the event loop. */
    static void startWorker(io.netty.channel.Channel channel, Runnable task) {
        WorkerBatch batch = BATCHES.get(); // one per event loop thread; called on the event loop only
        if (batch == null) {
            BATCHES.set(batch = new WorkerBatch(((SingleThreadEventLoop) channel.eventLoop())::executeAfterEventLoopIteration));
        }
        batch.add(task);
    }

    private void push(ByteBuf bytes) throws IOException { push(channel, bytes, idleNanos); }

    /** Writes and flushes; over the channel's high water mark, waits until written, up to the idle timeout. */
    static void push(io.netty.channel.Channel channel, Object message, long idleNanos) throws IOException {
        var written = channel.writeAndFlush(message);
        settle(written, !channel.isWritable(), channel, idleNanos, channel::close); // a closed channel is not writable
    }

    /**
     * Off the event loop and when {@code full}, waits until the write is done, up to the idle timeout, after which
     * it runs {@code giveUp} and throws; throws if the write failed.
     */
    static void settle(ChannelFuture written, boolean full, io.netty.channel.Channel channel, long idleNanos, Runnable giveUp)
            throws IOException {
        if (full && !written.isDone() && !channel.eventLoop().inEventLoop()) {
            CountDownLatch done = new CountDownLatch(1);
            written.addListener(future -> done.countDown());
            try {
                if (!done.await(idleNanos, TimeUnit.NANOSECONDS)) {
                    giveUp.run();
                    throw new IOException("the client took nothing for the idle timeout");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the client");
            }
        }
        if (written.isDone() && !written.isSuccess()) {
            throw new IOException("the connection was closed", written.cause());
        }
    }

    private ByteBuf encode(ResponseHead head, int extra) {
        int status = head.status(); // a final status: three digits
        out = channel.alloc().ioBuffer(256 + extra).writeBytes(HTTP_1_1).writeByte('0' + status / 100)
                .writeByte('0' + status / 10 % 10).writeByte('0' + status % 10).writeByte(' ');
        out.writeCharSequence(head.reason(), StandardCharsets.ISO_8859_1);
        out.writeShort(CRLF);
        head.forEach(this);
        return out.writeShort(CRLF);
    }

    /** Writes one field of the head being encoded; the engine checked that every character is one octet. */
    @Override
    public void accept(String name, String value) {
        out.writeCharSequence(name, StandardCharsets.ISO_8859_1);
        out.writeByte(':').writeByte(' ');
        out.writeCharSequence(value, StandardCharsets.ISO_8859_1);
        out.writeShort(CRLF);
    }
}
