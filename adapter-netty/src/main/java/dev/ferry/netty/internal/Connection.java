package dev.ferry.netty.internal;

import dev.ferry.Body;
import dev.ferry.Headers;
import dev.ferry.HttpException;
import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One HTTP/1.1 connection: turns decoded requests into Ferry requests, runs them through the
 * {@link dev.ferry.spi.Dispatcher} (inline or on a virtual thread), and writes the responses in order.
 * It owns the request header and idle timeouts, stops reading from the socket while a request body
 * or the pipelined requests behind the current one wait, and coalesces inline responses into one
 * flush per read batch. Everything here runs on the channel's event loop except the methods named
 * {@code ...FromWorker}, {@link #awaitWritable()} and the body stream's callbacks.
 */
final class Connection extends ChannelInboundHandlerAdapter implements RequestDecoder.HeadListener, RequestBody.Flow {

    private static final System.Logger LOG = System.getLogger("dev.ferry.netty");

    private static final int PAUSE_BODY = 1;
    private static final int PAUSE_PIPELINE = 2;
    private static final int PAUSE_WRITABILITY = 4;

    private static final int TIMER_NONE = 0;
    private static final int TIMER_HEADER = 1;
    private static final int TIMER_IDLE = 2;
    private static final int TIMER_BODY = 3;

    /** Bytes of an unread request body that are still read and dropped to keep the connection. */
    private static final long DRAIN_LIMIT = 256 * 1024;
    /** Response bodies held in memory above this size are written from a worker, chunk by chunk. */
    private static final int LARGE_BYTES = 256 * 1024;
    private static final long LINGER_MILLIS = 2000;

    private static final AsciiString CLOSE = HttpHeaderValues.CLOSE;
    private static final AsciiString KEEP_ALIVE = HttpHeaderValues.KEEP_ALIVE;
    private static final HttpResponseStatus[] STATUSES = new HttpResponseStatus[1000];

    private final Settings settings;
    private final HeadWriter head = new HeadWriter();
    private ChannelHandlerContext ctx;
    private ChannelHandlerContext encoder;
    private Channel channel;
    private InetSocketAddress remote;

    private Exchange current;
    private final ArrayDeque<Object> backlog = new ArrayDeque<>();
    private int paused;
    private boolean reading;
    private boolean flushPending;
    private boolean draining;
    private boolean closing;
    private boolean headPending;
    private boolean inputClosed;

    private int timerKind;
    private long deadline;
    private ScheduledFuture<?> timer;

    private final ReentrantLock writeLock = new ReentrantLock();
    private final Condition writable = writeLock.newCondition();

    Connection(Settings settings) {
        this.settings = settings;
    }

    /** One request and its response. */
    private static final class Exchange {
        final Request.Builder request;
        final boolean http10;
        final boolean headRequest;
        final boolean keepAlive;
        final long length;
        RequestBody body;
        long received;
        long drained;
        boolean requestDone;
        boolean dispatched;
        boolean responseDone;
        volatile boolean close;
        final AtomicBoolean finished = new AtomicBoolean();

        Exchange(Request.Builder request, boolean http10, boolean headRequest, boolean keepAlive, long length) {
            this.request = request;
            this.http10 = http10;
            this.headRequest = headRequest;
            this.keepAlive = keepAlive;
            this.length = length;
        }
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.encoder = ctx.pipeline().context(HttpResponseEncoder.class);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        SocketAddress address = channel.remoteAddress();
        remote = address instanceof InetSocketAddress inet ? inet : null;
        arm(TIMER_HEADER);
        long period = settings.checkPeriodNanos;
        timer = ctx.executor().scheduleAtFixedRate(this::checkTimer, period, period, TimeUnit.NANOSECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closing = true;
        if (timer != null) {
            timer.cancel(false);
        }
        Exchange exchange = current;
        if (exchange != null && exchange.body != null) {
            exchange.body.fail(null, new IOException("the connection was closed"));
            exchange.body.close();
        }
        Object pending;
        while ((pending = backlog.poll()) != null) {
            ReferenceCountUtil.release(pending);
        }
        signalWriters();
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof ChannelInputShutdownEvent) {
            // the client sent all it will send: answer what it asked, then close
            inputClosed = true;
            if (closing || (current == null && backlog.isEmpty())) {
                closeAfterWrites();
            }
        }
        super.userEventTriggered(ctx, event);
    }

    /** Closes once everything written so far has left. */
    private void closeAfterWrites() {
        closing = true;
        disarm();
        if (flushPending) {
            flushPending = false;
        }
        channel.pipeline().firstContext().writeAndFlush(Unpooled.EMPTY_BUFFER)
                .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            LOG.log(System.Logger.Level.DEBUG, "connection failed", cause);
        }
        ctx.close();
    }

    boolean isOpen() {
        return channel.isActive();
    }

    ByteBuf allocate(int capacity) {
        return ctx.alloc().buffer(capacity);
    }

    // ---------------------------------------------------------------- reading

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!backlog.isEmpty() || (current != null && current.requestDone)) {
            backlog.add(msg);
            pause(PAUSE_PIPELINE);
            return;
        }
        process(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (channel.isWritable()) {
            resume(PAUSE_WRITABILITY);
        } else {
            pause(PAUSE_WRITABILITY);
        }
        signalWriters();
        super.channelWritabilityChanged(ctx);
    }

    private void process(Object msg) {
        if (msg instanceof Malformed malformed) {
            reject(malformed.response());
            return;
        }
        if (msg instanceof HttpRequest head) {
            if (head.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                reject(statusOf(head.decoderResult().cause()));
                return;
            }
            onHead(head);
        }
        if (msg instanceof HttpContent content) {
            onContent(content);
        }
    }

    private static Status statusOf(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return Status.URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return Status.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        return Status.BAD_REQUEST;
    }

    @Override
    public void headStarted() {
        headPending = true;
        if (current == null) {
            arm(TIMER_HEADER);
        }
    }

    private void onHead(HttpRequest head) {
        headPending = false;
        HttpVersion version = head.protocolVersion();
        if (version.majorVersion() != 1 || version.minorVersion() > 1) {
            reject(Status.HTTP_VERSION_NOT_SUPPORTED);
            return;
        }
        boolean http10 = version.minorVersion() == 0;
        String connection = null;
        boolean expectContinue = false;
        // the head check has refused every head with unsound framing or Host fields
        long length = 0;
        Headers.Builder fields = Headers.builder();
        Iterator<Map.Entry<CharSequence, CharSequence>> it = head.headers().iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> field = it.next();
            CharSequence name = field.getKey();
            String value = field.getValue().toString();
            fields.add(name.toString(), value);
            switch (name.length()) {
                case 6 -> {
                    if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.EXPECT)) {
                        expectContinue = value.trim().equalsIgnoreCase("100-continue");
                    }
                }
                case 10 -> {
                    if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION)) {
                        connection = connection == null ? value : connection + "," + value;
                    }
                }
                case 14 -> {
                    if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_LENGTH)) {
                        length = Long.parseLong(value.strip());
                    }
                }
                case 17 -> {
                    if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING)) {
                        length = -1;
                    }
                }
                default -> {
                }
            }
        }
        boolean keepAlive = http10 ? hasToken(connection, "keep-alive") && !hasToken(connection, "close")
                : !hasToken(connection, "close");
        Method method = Method.of(head.method().name());
        Request.Builder request = Request.builder()
                .method(method)
                .target(head.uri())
                .version(version.text())
                .headers(fields.build());
        if (remote != null) {
            request.remoteAddress(remote);
        }
        Exchange exchange = new Exchange(request, http10, method.equals(Method.HEAD), keepAlive, length);
        current = exchange;
        if (length == 0) {
            disarm();
            return; // dispatched when the empty last content follows
        }
        if (length > settings.maxRequestBody) {
            // the dispatcher answers 413 from the declared length without reading; the content is dropped
            request.body(Body.of(InputStream.nullInputStream(), length));
            disarm();
        } else {
            exchange.body = new RequestBody(this);
            request.body(Body.of(exchange.body, length));
            arm(TIMER_BODY);
            if (expectContinue && !settings.dispatcher.shuttingDown()) {
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                        Unpooled.EMPTY_BUFFER, settings.headers.newEmptyHeaders(), EmptyHttpHeaders.INSTANCE),
                        ctx.voidPromise());
            }
        }
        dispatch(exchange);
    }

    private static boolean hasToken(String list, String token) {
        if (list == null) {
            return false;
        }
        for (String part : list.split(",")) {
            if (part.trim().equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }

    private void onContent(HttpContent content) {
        Exchange exchange = current;
        if (content.decoderResult().isFailure()) {
            content.release();
            if (exchange == null || !exchange.dispatched) {
                reject(Status.BAD_REQUEST);
                return;
            }
            // the body is malformed while the handler runs: reading it fails with 400, then the connection closes
            abortRunning(exchange);
            return;
        }
        if (exchange == null || exchange.requestDone) {
            content.release();
            return;
        }
        ByteBuf bytes = content.content();
        exchange.received += bytes.readableBytes();
        if (exchange.responseDone) {
            exchange.drained += bytes.readableBytes();
            if (exchange.drained > DRAIN_LIMIT) {
                content.release();
                closeGracefully();
                return;
            }
        }
        if (exchange.body != null && bytes.isReadable()) {
            exchange.body.offer(bytes);
        } else {
            bytes.release();
        }
        if (timerKind == TIMER_BODY) {
            deadline = System.nanoTime() + settings.idleTimeoutNanos;
        }
        if (content instanceof LastHttpContent) {
            exchange.requestDone = true;
            if (exchange.body != null) {
                exchange.body.complete();
            }
            if (!exchange.dispatched) {
                dispatch(exchange);
            } else {
                if (timerKind == TIMER_BODY) {
                    disarm();
                }
                if (exchange.responseDone) {
                    next();
                }
            }
        }
    }

    // ---------------------------------------------------------------- dispatching

    private void dispatch(Exchange exchange) {
        exchange.dispatched = true;
        if (settings.inline && exchange.body == null) {
            respond(exchange, settings.dispatcher.dispatch(exchange.request));
        } else {
            settings.startWorker(ctx.channel().eventLoop(), () -> {
                Response response = settings.dispatcher.dispatch(exchange.request);
                if (streams(response)) {
                    stream(exchange, response);
                } else {
                    onLoop(exchange, () -> writeSimple(exchange, response));
                }
            });
        }
    }

    private void respond(Exchange exchange, Response response) {
        if (streams(response)) {
            settings.startWorker(ctx.channel().eventLoop(), () -> stream(exchange, response));
        } else {
            writeSimple(exchange, response);
        }
    }

    private static boolean streams(Response response) {
        Body body = response.body();
        return body instanceof Body.Stream || body instanceof Body.Streamed
                || (body instanceof Body.Bytes && body.length() > LARGE_BYTES);
    }

    // ---------------------------------------------------------------- writing

    private void writeSimple(Exchange exchange, Response response) {
        if (!channel.isActive()) {
            finish(exchange);
            return;
        }
        Body body = response.body();
        if (body instanceof Body.File f && allowsBody(exchange, response)) {
            FileChannel file;
            try {
                file = FileChannel.open(f.path(), StandardOpenOption.READ);
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "cannot open " + f.path(), e);
                writeSimple(exchange, Response.error(Status.INTERNAL_SERVER_ERROR, "Internal Server Error"));
                return;
            }
            boolean close = closes(exchange, response);
            HttpHeaders headers = headers(exchange, response, close);
            headers.set(HttpHeaderNames.CONTENT_LENGTH, body.length());
            exchange.close = close;
            exchange.responseDone = true;
            ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, status(response.status()), headers), ctx.voidPromise());
            ctx.write(new DefaultFileRegion(file, 0, body.length()), ctx.voidPromise());
            ended(exchange, ctx, LastHttpContent.EMPTY_LAST_CONTENT, close);
            return;
        }
        boolean close = closes(exchange, response);
        boolean withBody = allowsBody(exchange, response);
        Headers fields = response.headers();
        HeadWriter head = this.head;
        try {
            head.start(response.status()).fields(fields, close || exchange.http10);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, "the app sent a malformed response header", e);
            writeSimple(exchange, Response.error(Status.INTERNAL_SERVER_ERROR, "Internal Server Error"));
            return;
        }
        if (!fields.contains("Date")) {
            head.line(settings.date.line());
        }
        if (withBody) {
            head.contentLength(body.length());
        }
        if (close) {
            head.line(HeadWriter.CONNECTION_CLOSE);
        } else if (exchange.http10) {
            head.line(HeadWriter.CONNECTION_KEEP_ALIVE);
        }
        head.end();
        int length = withBody && body instanceof Body.Bytes ? (int) body.length() : 0;
        ByteBuf out = ctx.alloc().buffer(head.size() + length);
        out.writeBytes(head.bytes(), 0, head.size());
        if (length > 0) {
            out.writeBytes(((Body.Bytes) body).buffer());
        }
        exchange.close = close;
        exchange.responseDone = true;
        // the head is encoded already: write past the HTTP encoder
        ended(exchange, encoder, out, close);
    }

    /** Writes the end of a response and moves on: to the next request, or to closing. */
    private void ended(Exchange exchange, ChannelHandlerContext via, Object last, boolean close) {
        if (close || (inputClosed && backlog.isEmpty())) {
            via.writeAndFlush(last).addListener((ChannelFutureListener) future -> {
                finish(exchange);
                closeGracefully();
            });
            return;
        }
        via.write(last, ctx.voidPromise());
        if (reading) {
            flushPending = true;
        } else {
            ctx.flush();
        }
        finish(exchange);
        completed(exchange);
    }

    /** Whether the response carries a body and its Content-Length; a HEAD response keeps the one the dispatcher set. */
    private static boolean allowsBody(Exchange exchange, Response response) {
        return !exchange.headRequest && !response.status().forbidsBody();
    }

    private boolean closes(Exchange exchange, Response response) {
        if (exchange.close || !exchange.keepAlive || closing) {
            return true;
        }
        String connection = response.headers().firstOrNull("Connection");
        return connection != null && hasToken(connection, "close");
    }

    private HttpHeaders headers(Exchange exchange, Response response, boolean close) {
        HttpHeaders headers = settings.headers.newHeaders();
        Headers fields = response.headers();
        fields.forEach(headers::add);
        if (!fields.contains("Date")) {
            headers.set(HttpHeaderNames.DATE, settings.date.value());
        }
        if (close) {
            headers.set(HttpHeaderNames.CONNECTION, CLOSE);
        } else if (exchange.http10) {
            headers.set(HttpHeaderNames.CONNECTION, KEEP_ALIVE);
        }
        return headers;
    }

    private static HttpResponseStatus status(Status status) {
        int code = status.code();
        HttpResponseStatus cached = code >= 0 && code < STATUSES.length ? STATUSES[code] : null;
        if (cached != null && cached.reasonPhrase().equals(status.reason())) {
            return cached;
        }
        HttpResponseStatus made = new HttpResponseStatus(code, status.reason());
        if (code >= 0 && code < STATUSES.length) {
            STATUSES[code] = made;
        }
        return made;
    }

    /** Writes a response whose body streams, on a worker thread that blocks while the client is behind. */
    private void stream(Exchange exchange, Response response) {
        Body body = response.body();
        long length = body.length();
        boolean chunked = length < 0 && !exchange.http10;
        boolean close = closes(exchange, response) || (length < 0 && exchange.http10);
        HttpHeaders headers = headers(exchange, response, close);
        if (length >= 0) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, length);
        } else if (chunked) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        exchange.close = close;
        ResponseStream out = new ResponseStream(this,
                new DefaultHttpResponse(HttpVersion.HTTP_1_1, status(response.status()), headers), length);
        Throwable failure = null;
        try {
            switch (body) {
                case Body.Streamed streamed -> streamed.writer().writeTo(out);
                case Body.Bytes bytes -> writeSlices(out, bytes.buffer());
                default -> {
                    try (InputStream in = body.stream()) {
                        in.transferTo(out);
                    }
                }
            }
            if (length >= 0 && out.written() != length) {
                throw new IOException("the body ended after " + out.written() + " of its " + length + " bytes");
            }
        } catch (Throwable e) {
            failure = e;
        }
        if (failure == null) {
            HttpResponse head = out.takeHead();
            ByteBuf rest = out.takeRest();
            Object last = rest != null && rest.isReadable() ? new DefaultLastHttpContent(rest)
                    : LastHttpContent.EMPTY_LAST_CONTENT;
            if (last == LastHttpContent.EMPTY_LAST_CONTENT && rest != null) {
                rest.release();
            }
            onLoop(exchange, () -> {
                exchange.responseDone = true;
                if (!channel.isActive()) {
                    ReferenceCountUtil.release(last);
                    finish(exchange);
                    return;
                }
                if (head != null) {
                    ctx.write(head, ctx.voidPromise());
                }
                ended(exchange, ctx, last, close);
            });
            return;
        }
        out.discard();
        if (!out.committed()) {
            // nothing was sent yet: answer with the error instead, as the dispatcher would have
            Response error = failure instanceof HttpException e
                    ? Response.error(e.status(), e.getMessage() == null ? e.status().reason() : e.getMessage())
                    : Response.error(Status.INTERNAL_SERVER_ERROR, "Internal Server Error");
            if (!(failure instanceof HttpException) && !(failure instanceof IOException)) {
                LOG.log(System.Logger.Level.ERROR, "writing the response body failed", failure);
            }
            exchange.close = true;
            onLoop(exchange, () -> writeSimple(exchange, error));
            return;
        }
        if (!(failure instanceof IOException)) {
            LOG.log(System.Logger.Level.ERROR, "writing the response body failed after it started", failure);
        }
        // the status is sent: the only honest signal left is to end the connection mid-message
        onLoop(exchange, () -> {
            exchange.responseDone = true;
            exchange.close = true;
            finish(exchange);
            closing = true;
            channel.close();
        });
    }

    /** Runs the task on the event loop; once the loop is gone (forced stop) the exchange just ends. */
    private void onLoop(Exchange exchange, Runnable task) {
        try {
            ctx.executor().execute(task);
        } catch (RejectedExecutionException e) {
            finish(exchange);
        }
    }

    private void writeSlices(ResponseStream out, ByteBuffer buffer) throws IOException {
        HttpResponse head = out.takeHead();
        if (head != null) {
            writeFromWorker(head, false);
        }
        while (buffer.hasRemaining()) {
            int n = Math.min(ResponseStream.CHUNK * 4, buffer.remaining());
            ByteBuffer slice = buffer.slice(buffer.position(), n);
            buffer.position(buffer.position() + n);
            writeFromWorker(new DefaultHttpContent(Unpooled.wrappedBuffer(slice)), true);
            awaitWritable();
        }
        out.count(buffer.capacity());
    }

    void writeFromWorker(Object message, boolean flush) {
        if (flush) {
            ctx.writeAndFlush(message, ctx.voidPromise());
        } else {
            ctx.write(message, ctx.voidPromise());
        }
    }

    void flushFromWorker() {
        ctx.flush();
    }

    /** Blocks the writing worker while the channel holds more than its high water mark. */
    void awaitWritable() throws IOException {
        if (channel.isWritable()) {
            return;
        }
        writeLock.lock();
        try {
            long nanos = settings.idleTimeoutNanos;
            while (!channel.isWritable()) {
                if (!channel.isActive()) {
                    throw new IOException("the connection was closed");
                }
                if (nanos <= 0) {
                    channel.close();
                    throw new IOException("the client read nothing for " + settings.config.idleTimeout());
                }
                nanos = writable.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the client", e);
        } finally {
            writeLock.unlock();
        }
    }

    private void signalWriters() {
        writeLock.lock();
        try {
            writable.signalAll();
        } finally {
            writeLock.unlock();
        }
    }

    // ---------------------------------------------------------------- completion and closing

    private void finish(Exchange exchange) {
        if (exchange.finished.compareAndSet(false, true)) {
            settings.dispatcher.finished();
        }
    }

    /** The response went out on a connection that stays open. */
    private void completed(Exchange exchange) {
        if (exchange.body != null) {
            // releases what the handler left unread
            exchange.body.close();
        }
        if (exchange.requestDone) {
            next();
            return;
        }
        long remaining = exchange.length < 0 ? 0 : exchange.length - exchange.received;
        if (remaining > DRAIN_LIMIT || exchange.body == null) {
            closeGracefully();
        }
        // else the rest of the body is read and dropped (a chunked one up to DRAIN_LIMIT), then next()
        // runs on its last content
    }

    private void next() {
        current = null;
        if (closing) {
            return;
        }
        arm(headPending ? TIMER_HEADER : TIMER_IDLE);
        if (draining) {
            return;
        }
        draining = true;
        boolean wasReading = reading;
        reading = true;
        try {
            Object msg;
            while (!closing && (current == null || !current.requestDone) && (msg = backlog.poll()) != null) {
                process(msg);
            }
        } finally {
            draining = false;
            reading = wasReading;
        }
        if (flushPending && !wasReading) {
            flushPending = false;
            ctx.flush();
        }
        if (backlog.isEmpty()) {
            resume(PAUSE_PIPELINE);
        }
    }

    /** Fails the running handler's body reads with 400 and closes the connection once its response is out. */
    private void abortRunning(Exchange exchange) {
        closing = true;
        exchange.close = true;
        if (exchange.body != null) {
            exchange.body.fail(RequestBody.malformed(), null);
        }
        if (exchange.responseDone) {
            closeGracefully();
        }
    }

    /** Answers a request the server refuses before any handler runs, then closes. */
    private void reject(Status status) {
        reject(Response.error(status, status.reason()));
    }

    private void reject(Response error) {
        if (closing) {
            return;
        }
        Exchange exchange = current;
        if (exchange != null && exchange.dispatched) {
            abortRunning(exchange);
            return;
        }
        current = null;
        closing = true;
        disarm();
        HttpHeaders headers = settings.headers.newHeaders();
        error.headers().forEach(headers::add);
        headers.set(HttpHeaderNames.DATE, settings.date.value());
        headers.set(HttpHeaderNames.CONNECTION, CLOSE);
        ByteBuf content = Unpooled.wrappedBuffer(((Body.Bytes) error.body()).buffer());
        headers.set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status(error.status()), content, headers,
                EmptyHttpHeaders.INSTANCE)).addListener((ChannelFutureListener) future -> closeGracefully());
    }

    /**
     * Closes after the last response: sends FIN at once, then reads and drops what the client still
     * sends for a moment, so that a client still writing does not get a reset that destroys the
     * response it has not read yet.
     */
    private void closeGracefully() {
        closing = true;
        disarm();
        paused = 0;
        if (!channel.isActive()) {
            return;
        }
        if (inputClosed) {
            closeAfterWrites();
            return;
        }
        channel.config().setAutoRead(true);
        if (channel instanceof DuplexChannel duplex && !duplex.isOutputShutdown()) {
            duplex.shutdownOutput().addListener(future -> {
                if (!future.isSuccess()) {
                    channel.close();
                }
            });
            ctx.executor().schedule(() -> {
                channel.close();
            }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            channel.close();
        }
    }

    // ---------------------------------------------------------------- back-pressure

    private void pause(int reason) {
        if (closing) {
            return;
        }
        if (paused == 0) {
            channel.config().setAutoRead(false);
        }
        paused |= reason;
    }

    private void resume(int reason) {
        if ((paused & reason) == 0) {
            return;
        }
        paused &= ~reason;
        if (paused == 0) {
            channel.config().setAutoRead(true);
        }
    }

    @Override
    public void pauseBody() {
        if (ctx.executor().inEventLoop()) {
            pause(PAUSE_BODY);
        } else {
            try {
                ctx.executor().execute(() -> pause(PAUSE_BODY));
            } catch (RejectedExecutionException e) {
                // the loop is gone and the connection with it
            }
        }
    }

    @Override
    public void resumeBody() {
        if (ctx.executor().inEventLoop()) {
            resume(PAUSE_BODY);
        } else {
            try {
                ctx.executor().execute(() -> resume(PAUSE_BODY));
            } catch (RejectedExecutionException e) {
                // the loop is gone and the connection with it
            }
        }
    }

    // ---------------------------------------------------------------- timeouts

    private void arm(int kind) {
        timerKind = kind;
        long timeout = kind == TIMER_HEADER ? settings.headerTimeoutNanos : settings.idleTimeoutNanos;
        deadline = System.nanoTime() + timeout;
    }

    private void disarm() {
        timerKind = TIMER_NONE;
    }

    private void checkTimer() {
        int kind = timerKind;
        if (kind == TIMER_NONE || closing || !channel.isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (kind == TIMER_BODY && (paused & PAUSE_BODY) != 0) {
            deadline = now + settings.idleTimeoutNanos;
            return;
        }
        if (now - deadline < 0) {
            return;
        }
        switch (kind) {
            case TIMER_HEADER -> {
                if (headPending) {
                    reject(Status.REQUEST_TIMEOUT);
                } else {
                    closing = true;
                    channel.close();
                }
            }
            case TIMER_BODY -> {
                Exchange exchange = current;
                if (exchange != null && exchange.body != null) {
                    exchange.body.fail(null, new IOException("the request body stalled"));
                }
                closing = true;
                channel.close();
            }
            default -> {
                closing = true;
                channel.close();
            }
        }
    }
}
