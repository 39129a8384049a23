package dev.ferry.netty.internal;

import dev.ferry.server.Execution;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.ContinuationLimit;
import dev.ferry.spi.EmptyDataLimit;
import dev.ferry.spi.Engine;
import dev.ferry.spi.Exchange;
import dev.ferry.spi.ResetLimit;
import dev.ferry.spi.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * One HTTP/2 stream of a connection served by Netty's HTTP/2 frame codec ({@link Http2FrameCodec}), and the
 * exchange it carries to the engine. The connection's one {@link Streams} handler takes every stream's frames
 * and writes each stream's frames itself, rather than a child channel with its own pipeline per stream
 * ({@code Http2MultiplexHandler}): a raw Netty server answering so serves about 1.3 times the streams per second
 * of one answering through child channels. What a child channel did for a stream is done here: the request
 * body's flow-control window is given back as the app takes the bytes, and a response's writer waits while
 * the stream has more bytes on their way than {@link #SENDING_HIGH}.
 */
final class Http2Stream implements Exchange {

    private static final int MAX_NAMES = 256;
    private static final Map<String, Name> NAMES = new ConcurrentHashMap<>();

    /** The connection's receive window: the streams' bodies share it, each bounded by its own (the default, 64 KiB). */
    private static final int CONNECTION_WINDOW = 1024 * 1024;
    private static final int BODY_HIGH = 64 * 1024; // a stream's body bytes waiting for the app before its window is held
    private static final int SENDING_HIGH = 64 * 1024; // a stream's response bytes written and not yet out before the writer waits
    private static final int FILE_CHUNK = 32 * 1024;

    private final Streams connection;
    private final Http2FrameStream stream;
    private final Runnable serve;
    private final AtomicBoolean counted = new AtomicBoolean();
    private final AtomicLong sending = new AtomicLong(); // response bytes written and not yet handed to the socket
    private Http2Headers request;
    private String method, target; // of the request, once asked for
    private BodyStream body;
    private boolean requestDone;
    private boolean reading = true; // the request body's window is given back as its frames arrive
    private int owed; // window held back while the app had too much of the body unread

    private Http2Stream(Streams connection, Http2FrameStream stream) {
        this.connection = connection;
        this.stream = stream;
        this.serve = () -> connection.engine.serve(this);
    }

    /**
     * Puts Netty's HTTP/2 codec at the end of the connection's pipeline, with the limits the settings map to;
     * the caller then removes the HTTP/1 handlers, and the bytes they held, the preface first, go to it.
     */
    static void install(Channel connection, Engine engine, ServerConfig config, IdleStateHandler idle) {
        Http2Settings settings = Http2Settings.defaultSettings().maxConcurrentStreams(config.http2MaxStreams())
                .maxHeaderListSize(config.maxHeaderBytes());
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer().initialSettings(settings)
                .decoderEnforceMaxRstFramesPerWindow(ResetLimit.MAX_RESETS, (int) ResetLimit.WINDOW.toSeconds())
                .decoderEnforceMaxSmallContinuationFrames(ContinuationLimit.MAX_SMALL_FRAGMENTS) // small below 8192 bytes, as the core's
                .decoderEnforceMaxConsecutiveEmptyDataFrames(EmptyDataLimit.MAX_EMPTY_FRAMES)
                .gracefulShutdownTimeoutMillis(config.idleTimeout().toMillis()).build(); // after GOAWAY, streams get this long
        // the streams' flushes between two reads (responses that virtual threads hand back one by one) reach the
        // codec as one: each codec flush shares the window among the streams with frames queued and submits a socket write
        connection.pipeline().addLast(codec, new FlushConsolidationHandler(NettyServer.FLUSHES_PER_WRITE, true),
                new Streams(engine, config, idle));
        try {
            var local = codec.connection().local().flowController();
            var whole = codec.connection().connectionStream();
            local.incrementWindowSize(whole, Math.max(0, CONNECTION_WINDOW - local.windowSize(whole)));
        } catch (Exception e) {
            connection.close();
        }
    }

    /**
     * Starts the graceful stop of an HTTP/2 connection: GOAWAY now, naming the last stream the client opened;
     * the streams in flight go on for up to the grace, then the connection closes. Nothing for an HTTP/1 connection.
     */
    static void goAway(Channel connection, Duration grace) {
        Http2FrameCodec codec = connection.pipeline().get(Http2FrameCodec.class);
        if (codec == null) {
            return;
        }
        codec.gracefulShutdownTimeoutMillis(Math.max(0, grace.toMillis()));
        connection.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
        connection.close(); // the codec closes once its streams are done, or at the timeout
    }

    /**
     * The handler of a connection's streams, behind the codec, with what they share, read from the settings
     * once; on the connection's event loop.
     */
    private static final class Streams extends ChannelInboundHandlerAdapter {
        final Engine engine;
        final IdleStateHandler idle;
        final AtomicInteger serving = new AtomicInteger(); // the exchanges whose response is not yet handed over whole
        final boolean inline, secure;
        final long idleNanos, bodyNanos;
        private final IntObjectMap<Http2Stream> open = new IntObjectHashMap<>();
        private ChannelHandlerContext ctx;
        private ChannelPromise quiet; // for writes whose failure the stream's end reports

        Streams(Engine engine, ServerConfig config, IdleStateHandler idle) {
            this.engine = engine;
            this.idle = idle;
            this.secure = config.tls().isPresent();
            this.inline = config.execution().orElse(Execution.VIRTUAL_THREADS) == Execution.IO_THREAD;
            this.idleNanos = config.idleTimeout().toNanos();
            this.bodyNanos = config.bodyReadTimeout().toNanos();
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            this.quiet = new VoidChannelPromise(ctx.channel(), false);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2StreamFrame frame && frame.stream() != null) {
                Http2Stream exchange = open.get(frame.stream().id());
                if (exchange == null && msg instanceof Http2HeadersFrame) {
                    exchange = new Http2Stream(this, frame.stream());
                    open.put(frame.stream().id(), exchange);
                }
                if (exchange != null) {
                    exchange.read(msg);
                    return;
                }
            }
            ReferenceCountUtil.release(msg); // settings, pings and GOAWAY: the codec has acted on them
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof Http2FrameStreamEvent changed) {
                if (changed.type() == Http2FrameStreamEvent.Type.State && closed(changed.stream())) {
                    Http2Stream exchange = open.remove(changed.stream().id());
                    if (exchange != null) {
                        exchange.inactive();
                    }
                }
                return;
            }
            // idle with no exchange being served (a stream may still hold a response the client does not take),
            // or the client sends nothing more: GOAWAY, then close once the streams are done, or at the idle timeout
            if (event instanceof IdleStateEvent && serving.get() == 0 || event instanceof ChannelInputShutdownEvent) {
                ctx.close();
            }
            ReferenceCountUtil.release(event);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            open.values().forEach(Http2Stream::inactive);
            open.clear();
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof Http2FrameStreamException broken) {
                // a stream error the codec leaves to the streams' handler: the stream is reset with its code
                if (!closed(broken.stream())) {
                    ctx.writeAndFlush(new DefaultHttp2ResetFrame(broken.error()).stream(broken.stream()), quiet);
                }
            } else if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
                ctx.close(); // an HTTP/2 error is the codec's: it sends GOAWAY with its code, then closes
            }
        }
    }

    private ChannelHandlerContext ctx() { return connection.ctx; }

    private boolean closed() { return closed(stream); }

    private static boolean closed(Http2FrameStream stream) {
        return stream.state() == io.netty.handler.codec.http2.Http2Stream.State.CLOSED;
    }

    /** Runs the task on the connection's event loop: now when called there. */
    private void onLoop(Runnable task) {
        if (ctx().executor().inEventLoop()) {
            task.run();
        } else {
            ctx().executor().execute(task);
        }
    }

    private void read(Object msg) {
        if (msg instanceof Http2HeadersFrame frame && request == null) {
            request = frame.headers();
            requestDone = frame.isEndStream();
            connection.serving.incrementAndGet();
            counted.set(true);
            if (!requestDone) {
                body = new BodyStream(ctx().channel(), this::updateReading, connection.bodyNanos, BODY_HIGH);
                Connection.startWorker(ctx().channel(), serve); // the app reads the body as it arrives, off the event loop
            } else if (connection.inline) {
                serve.run();
            } else {
                Connection.startWorker(ctx().channel(), serve);
            }
        } else if (msg instanceof Http2HeadersFrame trailers) { // trailers end the stream; the API has no place for them
            requestDone = trailers.isEndStream();
            if (requestDone && body != null) {
                body.end();
            }
        } else if (msg instanceof Http2DataFrame data) {
            requestDone = data.isEndStream();
            int window = data.initialFlowControlledBytes();
            if (body == null) { // the codec refuses DATA after a HEADERS frame that ended the stream
                data.release();
                return;
            }
            if (reading) {
                giveBack(window);
            } else {
                owed += window;
            }
            if (body.offer(data.content())) {
                updateReading();
            }
            if (requestDone) {
                body.end();
            }
        } else if (msg instanceof Http2ResetFrame && body != null && !requestDone) {
            body.fail(new IOException("the client reset the stream"));
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Gives the window back while the unread body is below the bound, and holds it back above; on the event loop. */
    private void updateReading() {
        reading = body == null || !body.full(reading);
        if (reading && owed > 0) {
            giveBack(owed);
            owed = 0;
            ctx().flush();
        }
    }

    /** Lets the client send this many more bytes on the stream (and the connection); flushed with the read's end. */
    private void giveBack(int bytes) {
        if (bytes > 0 && !closed()) {
            ctx().write(new DefaultHttp2WindowUpdateFrame(bytes).stream(stream), connection.quiet);
        }
    }

    /** The response is handed over whole, or the stream is gone: the exchange no longer keeps the connection from idling. */
    private void handedOver() {
        if (counted.compareAndSet(true, false)) {
            connection.serving.decrementAndGet();
        }
    }

    private void inactive() {
        handedOver();
        if (body != null && !requestDone) {
            body.fail(new IOException("the stream was closed"));
        }
    }

    @Override
    public String method() {
        if (method == null) { // the engine asks more than once; GET and POST as the constants, without a copy
            CharSequence sent = request.method();
            method = sent == null ? "" : AsciiString.contentEquals(sent, "GET") ? "GET"
                    : AsciiString.contentEquals(sent, "POST") ? "POST" : sent.toString();
        }
        return method;
    }

    @Override
    public String target() {
        if (target == null) {
            target = request.path() == null ? "" : request.path().toString();
        }
        return target;
    }

    @Override
    public String version() { return "HTTP/2.0"; }

    @Override
    public boolean http2() { return true; }

    @Override
    public boolean bodyFollows() { return body != null && !request.contains("content-length"); }

    @Override
    public void headers(BiConsumer<String, String> action) {
        CharSequence authority = request.authority();
        if (authority != null) {
            action.accept("Host", authority.toString());
        }
        boolean restated = false; // a Host equal to :authority, left out once: a second Host, like or unlike, is passed on
        for (Map.Entry<CharSequence, CharSequence> field : request) {
            CharSequence name = field.getKey();
            if (name.length() > 0 && name.charAt(0) == ':') {
                continue;
            }
            if (!restated && authority != null && AsciiString.contentEqualsIgnoreCase(name, "host")
                    && AsciiString.contentEquals(field.getValue(), authority)) {
                restated = true;
                continue;
            }
            action.accept(name.toString(), field.getValue().toString()); // the engine refuses a request with two hosts
        }
    }

    @Override
    public InetSocketAddress remoteAddress() { return (InetSocketAddress) ctx().channel().remoteAddress(); }

    @Override
    public String scheme() { return connection.secure ? "https" : "http"; }

    @Override
    public String requestScheme() {
        CharSequence scheme = request.scheme();
        return scheme == null ? null : scheme.toString();
    }

    @Override
    public InputStream body() { return body != null ? body : InputStream.nullInputStream(); }

    @Override
    public void sendContinue() throws IOException {
        push(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("100")).stream(stream), 0);
    }

    @Override
    public void send(ResponseHead head, ByteBuffer content) {
        if (!ctx().executor().inEventLoop()) {
            // one task for the head, the body and the flush rather than one for each: the body is immutable
            ctx().executor().execute(() -> send(head, content));
            return;
        }
        if (closed()) { // the client reset the stream: nothing to send it
            over();
            return;
        }
        boolean empty = head.framing() == ResponseHead.Framing.NONE || !content.hasRemaining();
        // with the request whole, nothing of it is left to drop once the response is written: no listener needed
        boolean whole = requestDone && body == null;
        ChannelFuture last = ctx().write(headers(head, empty).stream(stream), whole ? connection.quiet : ctx().newPromise());
        if (!empty) { // a whole response comes from an immutable body: sent without a copy
            last = ctx().write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(content.duplicate()), true).stream(stream),
                    whole ? connection.quiet : ctx().newPromise());
        }
        if (whole) {
            handedOver();
            ctx().flush();
            connection.idle.resetReadTimeout(); // the connection's idle time starts now
        } else {
            ended(last);
        }
    }

    @Override
    public void sendFile(ResponseHead head, Path file, long position, long count) throws IOException {
        FileChannel source = FileChannel.open(file);
        handedOver();
        onLoop(() -> {
            ctx().write(headers(head, false).stream(stream), connection.quiet);
            new FilePump(source, position, count).next();
        });
    }

    /**
     * Sends a file's bytes on the stream a chunk at a time, the next once the last is out: as fast as the stream's
     * window and the connection drain, with one chunk of the file in memory. On the event loop.
     */
    private final class FilePump implements ChannelFutureListener {
        private final FileChannel source;
        private long position, left;

        FilePump(FileChannel source, long position, long count) {
            this.source = source;
            this.position = position;
            this.left = count;
        }

        void next() {
            int n = (int) Math.min(FILE_CHUNK, left);
            ByteBuf chunk = ctx().alloc().ioBuffer(n);
            try {
                while (chunk.readableBytes() < n) {
                    if (chunk.writeBytes(source, position + chunk.readableBytes(), n - chunk.readableBytes()) < 0) {
                        throw new IOException("the file ended before its length");
                    }
                }
            } catch (IOException e) {
                chunk.release();
                done();
                reset(Http2Error.CANCEL); // the client must not take what it got for the whole file
                return;
            }
            position += n;
            left -= n;
            ctx().writeAndFlush(new DefaultHttp2DataFrame(chunk, left == 0).stream(stream)).addListener(this);
        }

        @Override
        public void operationComplete(ChannelFuture written) {
            if (written.isSuccess() && left > 0) {
                next();
            } else {
                done();
            }
        }

        private void done() {
            try {
                source.close();
            } catch (IOException ignored) {
                // read only: nothing was lost
            }
            over();
        }
    }

    @Override
    public void writeHead(ResponseHead head) {
        ctx().write(headers(head, false).stream(stream), connection.quiet); // flushed with the first bytes after it
    }

    @Override
    public void write(ByteBuffer bytes) throws IOException {
        if (bytes.hasRemaining()) { // copied: the caller may reuse its buffer once this returns
            int n = bytes.remaining();
            push(new DefaultHttp2DataFrame(ctx().alloc().ioBuffer(n).writeBytes(bytes)).stream(stream), n);
        }
    }

    /**
     * Writes and flushes a frame of the response; while the stream has more than {@link #SENDING_HIGH} bytes on
     * their way (its window closed, or the connection not drained), waits until this frame is out, up to the idle
     * timeout, after which the stream is reset.
     */
    private void push(Object frame, int bytes) throws IOException {
        ChannelPromise written = ctx().newPromise();
        if (bytes > 0) {
            sending.addAndGet(bytes);
            written.addListener(out -> sending.addAndGet(-bytes));
        }
        ctx().writeAndFlush(frame, written);
        Connection.settle(written, sending.get() > SENDING_HIGH, ctx().channel(), connection.idleNanos,
                () -> onLoop(() -> reset(Http2Error.CANCEL)));
    }

    @Override
    public void flush() { ctx().flush(); }

    @Override
    public void end() {
        ended(ctx().write(new DefaultHttp2DataFrame(true).stream(stream)));
    }

    /** Resets the stream: the client never takes what was sent for a complete response. The connection goes on. */
    @Override
    public void abort() { // RST_STREAM (CANCEL) unless both sides ended the stream
        handedOver();
        onLoop(() -> reset(Http2Error.CANCEL));
    }

    /** Resets the stream with the code unless it is closed already; on the event loop. */
    private void reset(Http2Error code) {
        if (!closed()) {
            ctx().writeAndFlush(new DefaultHttp2ResetFrame(code).stream(stream), connection.quiet);
        }
    }

    @Override
    public boolean onIoThread() { return ctx().executor().inEventLoop(); }

    /** Flushes the response's end; once it is written (or failed), on the event loop, drops what is left of the request. */
    private void ended(ChannelFuture last) {
        handedOver();
        ctx().flush();
        last.addListener(written -> over());
    }

    private void over() {
        connection.idle.resetReadTimeout(); // the connection's idle time starts now, not at its last read
        if (body != null) { // the engine has read all it will
            body.fail(new IOException("the exchange is over"));
            body.release();
        }
        if (!requestDone) {
            // a whole response before the whole request: the client may stop sending it (RFC 9113, 8.1)
            reset(Http2Error.NO_ERROR);
        }
    }

    /**
     * A response field name as HTTP/2 spells it, with the last value sent under it, both as {@link AsciiString}:
     * the HPACK encoder hashes and compares an {@code AsciiString} without walking its characters, and an app
     * sends the same few names, most with the same value instance (a content type, the second's date), again
     * and again. The last value is one immutable pair, so a stream that reads it while another replaces it
     * sees one or the other.
     */
    private static final class Name {
        final AsciiString lower;
        private Value last = new Value("", AsciiString.EMPTY_STRING);

        Name(AsciiString lower) { this.lower = lower; }

        AsciiString ascii(String value) {
            Value known = last;
            if (known.text != value) {
                known = new Value(value, new AsciiString(value));
                last = known;
            }
            return known.ascii;
        }
    }

    private record Value(String text, AsciiString ascii) {
    }

    private static final Name DATE = new Name(AsciiString.cached("date"));
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
    private static final AsciiString[] LENGTHS = new AsciiString[1024]; // the short bodies' lengths, made once each

    private static Name name(String name) {
        Name known = NAMES.get(name);
        if (known == null) {
            known = new Name(AsciiString.cached(name.toLowerCase(Locale.ROOT)));
            if (NAMES.size() < MAX_NAMES) {
                NAMES.putIfAbsent(name, known);
            }
        }
        return known;
    }

    private static AsciiString length(long length) {
        if (length >= LENGTHS.length) {
            return AsciiString.of(Long.toString(length));
        }
        AsciiString known = LENGTHS[(int) length];
        if (known == null) {
            known = AsciiString.cached(Long.toString(length));
            LENGTHS[(int) length] = known;
        }
        return known;
    }

    private static DefaultHttp2HeadersFrame headers(ResponseHead head, boolean endStream) {
        // the engine has checked every field already; Netty's checks would only repeat it
        Http2Headers fields = new DefaultHttp2Headers(false);
        fields.status(HttpResponseStatus.valueOf(head.status()).codeAsText());
        head.forEachAppField((name, value) -> {
            Name known = name(name);
            fields.add(known.lower, known.ascii(value));
        });
        fields.set(DATE.lower, DATE.ascii(head.date()));
        if (head.contentLength() >= 0) {
            fields.set(CONTENT_LENGTH, length(head.contentLength()));
        }
        return new DefaultHttp2HeadersFrame(fields, endStream);
    }
}
