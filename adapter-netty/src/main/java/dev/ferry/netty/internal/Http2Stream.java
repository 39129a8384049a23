package dev.ferry.netty.internal;

import dev.ferry.server.Execution;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.ContinuationLimit;
import dev.ferry.spi.EmptyDataLimit;
import dev.ferry.spi.Engine;
import dev.ferry.spi.Exchange;
import dev.ferry.spi.ResetLimit;
import dev.ferry.spi.ResponseHead;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataChunkedInput;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * One HTTP/2 stream of a connection served by Netty's HTTP/2 codec ({@link Http2FrameCodec} and
 * {@link Http2MultiplexHandler}, a child channel per stream), and the exchange it carries to the engine.
 */
final class Http2Stream implements Exchange {

    private static final AttributeKey<Http2Stream> STREAM = AttributeKey.valueOf(Http2Stream.class, "stream");
    private static final int MAX_NAMES = 256;
    private static final Map<String, Name> NAMES = new ConcurrentHashMap<>();

    /** The connection's receive window: the streams' bodies share it, each bounded by its own (the default, 64 KiB). */
    private static final int CONNECTION_WINDOW = 1024 * 1024;
    private static final int BODY_HIGH = 64 * 1024; // a stream's body bytes waiting for the app before the stream is not read

    private final Http2StreamChannel channel;
    private final Streams connection;
    private final Runnable serve;
    private final AtomicBoolean counted = new AtomicBoolean();
    private Http2Headers request;
    private String method, target; // of the request, once asked for
    private BodyStream body;
    private boolean requestDone;

    private Http2Stream(Http2StreamChannel channel, Streams connection) {
        this.channel = channel;
        this.connection = connection;
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
        var events = new ConnectionEvents();
        var streams = new Http2MultiplexHandler(new Streams(engine, config, idle, events.serving));
        // the streams' flushes between two reads (responses that virtual threads hand back one by one) reach the
        // codec as one: each codec flush shares the window among the streams with frames queued and submits a socket write
        connection.pipeline().addLast(codec, new FlushConsolidationHandler(NettyServer.FLUSHES_PER_WRITE, true), streams, events);
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
     * The one handler of a connection's streams, each in its own child channel, with what they share, read from
     * the settings once: a stream's state is its channel's attribute, made with its first frame, rather than a
     * handler of its own added to the stream's pipeline (which costs a pipeline change and an initializer's
     * bookkeeping for each stream).
     */
    @ChannelHandler.Sharable
    private static final class Streams extends ChannelInboundHandlerAdapter {
        final Engine engine;
        final IdleStateHandler idle;
        final AtomicInteger serving; // the connection's exchanges whose response is not yet handed over whole
        final boolean inline, secure;
        final long idleNanos, bodyNanos;

        Streams(Engine engine, ServerConfig config, IdleStateHandler idle, AtomicInteger serving) {
            this.engine = engine;
            this.idle = idle;
            this.serving = serving;
            this.secure = config.tls().isPresent();
            this.inline = config.execution().orElse(Execution.VIRTUAL_THREADS) == Execution.IO_THREAD;
            this.idleNanos = config.idleTimeout().toNanos();
            this.bodyNanos = config.bodyReadTimeout().toNanos();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Attribute<Http2Stream> attribute = ctx.channel().attr(STREAM);
            Http2Stream stream = attribute.get();
            if (stream == null) {
                stream = new Http2Stream((Http2StreamChannel) ctx.channel(), this);
                attribute.set(stream);
            }
            stream.read(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            Http2Stream stream = ctx.channel().attr(STREAM).get();
            if (stream != null) {
                stream.event(event);
            }
            ReferenceCountUtil.release(event);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Http2Stream stream = ctx.channel().attr(STREAM).get();
            if (stream != null) {
                stream.inactive();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) { ctx.channel().close(); }
    }

    /** What concerns the whole connection once it speaks HTTP/2. */
    private static final class ConnectionEvents extends ChannelInboundHandlerAdapter {
        final AtomicInteger serving = new AtomicInteger();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            // idle with no exchange being served (a stream may still hold a response the client does not take),
            // or the client sends nothing more: GOAWAY, then close once the streams are done, or at the idle timeout
            if (event instanceof IdleStateEvent && serving.get() == 0 || event instanceof ChannelInputShutdownEvent) {
                ctx.close();
            }
            ReferenceCountUtil.release(event);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg); // settings, pings and GOAWAY: the codec has acted on them
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
                ctx.close(); // an HTTP/2 error is the codec's: it sends GOAWAY with its code, then closes
            }
        }
    }

    private void read(Object msg) {
        if (msg instanceof Http2HeadersFrame frame && request == null) {
            request = frame.headers();
            requestDone = frame.isEndStream();
            connection.serving.incrementAndGet();
            counted.set(true);
            if (!requestDone) {
                body = new BodyStream(channel, this::updateReading, connection.bodyNanos, BODY_HIGH);
                Connection.startWorker(channel, serve); // the app reads the body as it arrives, off the event loop
            } else if (connection.inline) {
                serve.run();
            } else {
                Connection.startWorker(channel, serve);
            }
        } else if (msg instanceof Http2HeadersFrame trailers) { // trailers end the stream; the API has no place for them
            requestDone = trailers.isEndStream();
            if (requestDone && body != null) {
                body.end();
            }
        } else if (msg instanceof Http2DataFrame data) {
            requestDone = data.isEndStream();
            if (body == null) {
                data.release();
                return;
            }
            if (body.offer(data.content())) {
                updateReading();
            }
            if (requestDone) {
                body.end();
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Reads the stream (and gives its window back to the client) only while its unread body is below the bound. */
    private void updateReading() {
        channel.config().setAutoRead(body == null || !body.full(channel.config().isAutoRead()));
    }

    private void event(Object event) {
        if (event instanceof Http2ResetFrame && body != null && !requestDone) {
            body.fail(new IOException("the client reset the stream"));
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
    public InetSocketAddress remoteAddress() { return (InetSocketAddress) channel.parent().remoteAddress(); }

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
        Connection.push(channel, new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("100")),
                connection.idleNanos);
    }

    @Override
    public void send(ResponseHead head, ByteBuffer content) {
        if (!channel.eventLoop().inEventLoop()) {
            // one task for the head, the body and the flush rather than one for each: the body is immutable
            channel.eventLoop().execute(() -> send(head, content));
            return;
        }
        boolean empty = head.framing() == ResponseHead.Framing.NONE || !content.hasRemaining();
        // with the request whole, nothing of it is left to drop once the response is written: no listener needed
        boolean whole = requestDone && body == null;
        ChannelFuture last = channel.write(headers(head, empty), whole ? channel.voidPromise() : channel.newPromise());
        if (!empty) { // a whole response comes from an immutable body: sent without a copy
            last = channel.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(content.duplicate()), true),
                    whole ? channel.voidPromise() : channel.newPromise());
        }
        if (whole) {
            handedOver();
            channel.flush();
            connection.idle.resetReadTimeout(); // the connection's idle time starts now
        } else {
            ended(last);
        }
    }

    @Override
    public void sendFile(ResponseHead head, Path file, long position, long count) throws IOException {
        FileChannel region = FileChannel.open(file);
        channel.write(headers(head, false), channel.voidPromise());
        // read as the stream's window and the connection drain, by a ChunkedWriteHandler the stream gets for it
        if (channel.pipeline().get(ChunkedWriteHandler.class) == null) {
            channel.pipeline().addFirst(new ChunkedWriteHandler());
        }
        ended(channel.write(new Http2DataChunkedInput(new ChunkedNioFile(region, position, count, 16 * 1024), channel.stream())));
    }

    @Override
    public void writeHead(ResponseHead head) {
        channel.write(headers(head, false), channel.voidPromise()); // flushed with the first bytes after it
    }

    @Override
    public void write(ByteBuffer bytes) throws IOException {
        if (bytes.hasRemaining()) { // copied: the caller may reuse its buffer once this returns
            Connection.push(channel, new DefaultHttp2DataFrame(channel.alloc().ioBuffer(bytes.remaining()).writeBytes(bytes)),
                    connection.idleNanos);
        }
    }

    @Override
    public void flush() { channel.flush(); }

    @Override
    public void end() {
        ended(channel.write(new DefaultHttp2DataFrame(true)));
    }

    /** Resets the stream: the client never takes what was sent for a complete response. The connection goes on. */
    @Override
    public void abort() { // RST_STREAM (CANCEL) unless both sides ended the stream
        handedOver();
        channel.close();
    }

    @Override
    public boolean onIoThread() { return channel.eventLoop().inEventLoop(); }

    /** Flushes the response's end; once it is written (or failed), on the event loop, drops what is left of the request. */
    private void ended(ChannelFuture last) {
        handedOver();
        channel.flush();
        last.addListener(written -> over());
    }

    private void over() {
        connection.idle.resetReadTimeout(); // the connection's idle time starts now, not at its last read
        if (body != null) { // the engine has read all it will
            body.fail(new IOException("the exchange is over"));
            body.release();
        }
        if (!requestDone && channel.isActive()) {
            // a whole response before the whole request: the client may stop sending it (RFC 9113, 8.1)
            channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
            channel.close();
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

    private static Http2HeadersFrame headers(ResponseHead head, boolean endStream) {
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
