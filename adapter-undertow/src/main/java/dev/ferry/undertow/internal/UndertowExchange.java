package dev.ferry.undertow.internal;

import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Exchange;
import dev.ferry.spi.ResponseHead;
import dev.ferry.spi.WebSocketEvents;
import dev.ferry.spi.WebSocketUpgrade;
import dev.ferry.spi.WorkerBatch;
import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.WebSocketProtocolHandshakeHandler;
import io.undertow.websockets.WebSocketExtension;
import io.undertow.websockets.core.protocol.version13.Hybi13Handshake;
import io.undertow.websockets.extensions.ExtensionFunction;
import io.undertow.websockets.extensions.PerMessageDeflateHandshake;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.util.List;
import io.undertow.io.IoCallback;
import io.undertow.server.AbstractServerConnection;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpAttachments;
import io.undertow.server.protocol.http.HttpContinue;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Protocols;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.zip.Deflater;
import java.util.stream.Stream;
import org.xnio.IoUtils;
import org.xnio.Options;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

/** One Undertow exchange as the engine sees it; also its request body and the sink of its head's fields. */
final class UndertowExchange extends InputStream implements Exchange, BiConsumer<String, String> {

    private final HttpServerExchange http;
    private final HeadGuard guard;
    private final Http2Connections.Connection connection; // over HTTP/2, else null
    private final List<String> hosts; // over HTTP/2, the :authority and Host values as sent
    private final ServerConfig config;
    private final boolean http2;
    private ResponseHead head;
    private StreamSourceChannel in;
    private StreamSinkChannel out;
    private FileChannel file;
    private long filePosition;
    private long fileLeft;
    private boolean fileHeadSent;

    UndertowExchange(HttpServerExchange http, ServerConfig config) {
        this.http = http;
        this.http2 = http.getProtocol() == Protocols.HTTP_2_0;
        if (http2) {
            connection = http.getConnection().getAttachment(Http2Connections.CONNECTION);
            connection.opened(http);
            this.guard = connection.guard;
            this.hosts = connection.hostsOfLast();
        } else {
            connection = null;
            this.hosts = null;
            this.guard = (HeadGuard) ((AbstractServerConnection) http.getConnection()).getOriginalSourceConduit();
        }
        this.config = config;
    }

    @Override
    public boolean http2() {
        return http2;
    }

    /** Undertow ends the request at once when its HEADERS frame ended the stream. */
    @Override
    public boolean bodyFollows() {
        return http2 && !http.isRequestComplete();
    }

    @Override
    public String method() {
        return http.getRequestMethod().toString();
    }

    /** Returns the target as sent; Undertow drops a '?' that begins the query, but the first parameter's name keeps it. */
    @Override
    public String target() {
        String query = http.getQueryString();
        var parameters = http.getQueryParameters();
        String first = parameters.isEmpty() ? "" : "?" + query.split("&", 2)[0].split("=", 2)[0];
        if (parameters.containsKey(first)
                && parameters.get(first).size() > Stream.of(query.split("&")).filter(p -> p.split("=", 2)[0].equals(first)).count()) {
            query = "?" + query;
        }
        return query.isEmpty() ? http.getRequestURI() : http.getRequestURI() + '?' + query;
    }

    @Override
    public String version() {
        return http.getProtocol().toString();
    }

    @Override
    public void headers(BiConsumer<String, String> action) {
        var fields = http.getRequestHeaders();
        if (hosts != null) { // Undertow's Host is the first :authority alone
            hosts.forEach(host -> action.accept("Host", host));
        }
        for (long at = fields.fastIterateNonEmpty(); at != -1; at = fields.fiNextNonEmpty(at)) {
            var values = fields.fiCurrent(at);
            if (hosts != null && values.getHeaderName().equals(Headers.HOST)) {
                continue;
            }
            for (int i = 0; i < values.size(); i++) {
                action.accept(values.getHeaderName().toString(), values.get(i));
            }
        }
    }

    /** Undertow does not check a trailer section as it checks the header section: the engine does. */
    @Override
    public void trailers(BiConsumer<String, String> action) {
        HeaderMap trailers = http.getAttachment(HttpAttachments.REQUEST_TRAILERS);
        if (trailers != null) {
            for (HeaderValues values : trailers) {
                values.forEach(value -> action.accept(values.getHeaderName().toString(), value));
            }
        }
    }

    @Override
    public String scheme() {
        return http.getConnection().getSslSessionInfo() != null ? "https" : "http";
    }

    @Override
    public String requestScheme() {
        return http2 ? http.getRequestScheme() : scheme(); // on HTTP/2, Undertow's :scheme
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return http.getSourceAddress();
    }

    @Override
    public InputStream body() {
        in = http.getRequestChannel();
        guard.engineReads = true;
        return this;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
        ByteBuffer target = ByteBuffer.wrap(bytes, offset, length);
        int n;
        while ((n = in.read(target)) == 0 && length > 0) {
            if (guard.check.malformedBody() || guard.isReadShutdown()) {
                throw new dev.ferry.HttpException(dev.ferry.Status.BAD_REQUEST);
            }
            await(in, config.bodyReadTimeout());
        }
        return n;
    }

    /**
     * Writes straight to the socket: Undertow's own interim response has a Content-Length, which a 1xx must not.
     * On HTTP/2, Undertow's own: a HEADERS frame with {@code :status 100} alone.
     */
    @Override
    public void sendContinue() throws IOException {
        if (http2) {
            HttpContinue.ContinueResponseSender interim = HttpContinue.createResponseSender(http);
            if (!interim.send()) {
                interim.awaitWritable(config.idleTimeout().toNanos(), TimeUnit.NANOSECONDS);
                if (!interim.send()) {
                    throw new IOException("no room for 100 Continue: the client does not read");
                }
            }
            return;
        }
        ByteBuffer interim = ByteBuffer.wrap("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        if (guard.connection.getSinkChannel().write(interim) < interim.capacity()) {
            IoUtils.safeClose(guard.connection);
            throw new IOException("no room for 100 Continue: the client does not read");
        }
    }

    /** Sends {@code count} bytes of the file from the position, with the sink's zero-copy transfer. */
    @Override
    public void sendFile(ResponseHead head, Path path, long position, long count) throws IOException {
        file = FileChannel.open(path);
        filePosition = position;
        fileLeft = count;
        send(head, null);
    }

    /** Sends a whole response on the IO thread: ending an exchange on another thread races Undertow's read listener. */
    @Override
    public void send(ResponseHead head, ByteBuffer body) {
        guard.engineReads = false;
        if (!http.isInIoThread()) {
            http.getIoThread().execute(() -> send(head, body));
            return;
        }
        try {
            fields(head, head.framing() == ResponseHead.Framing.NONE);
            if (file != null) {
                http.addExchangeCompleteListener((exchange, next) -> {
                    IoUtils.safeClose(file);
                    next.proceed();
                });
                out = http.getResponseChannel();
                transfer(out);
            } else if (head.framing() != ResponseHead.Framing.NONE) {
                http.getResponseSender().send(body, IoCallback.END_EXCHANGE);
            } else {
                out.shutdownWrites(); // the head goes out before Undertow reads what is left of the request body
                out.flush();
                http.endExchange();
            }
        } catch (IOException | RuntimeException e) {
            IoUtils.safeClose(file);
            abort();
        }
    }

    /**
     * Moves the rest of the file region to the sink, resuming from the write listener when the socket is
     * full. Undertow's own sender sends a file to its end; a range stops at its count.
     */
    private void transfer(StreamSinkChannel sink) {
        try {
            // the head goes out first: while it is buffered, Undertow's response conduit copies a whole
            // buffer from the channel's own position, whatever the region's count
            if (!fileHeadSent) {
                if (!sink.flush()) {
                    sink.getWriteSetter().set(this::transfer);
                    sink.resumeWrites();
                    return;
                }
                fileHeadSent = true;
            }
            while (fileLeft > 0) {
                long n = sink.transferFrom(file, filePosition, fileLeft);
                if (n == 0) {
                    if (filePosition >= file.size()) {
                        throw new IOException("the file ended " + fileLeft + " bytes before the region did");
                    }
                    sink.getWriteSetter().set(this::transfer);
                    sink.resumeWrites();
                    return;
                }
                filePosition += n;
                fileLeft -= n;
            }
            sink.suspendWrites();
            sink.getWriteSetter().set(null);
            http.endExchange();
        } catch (IOException | RuntimeException e) {
            sink.getWriteSetter().set(null);
            IoUtils.safeClose(file);
            abort();
        }
    }

    @Override
    public void writeHead(ResponseHead head) {
        fields(head, false);
        out = http.getResponseChannel();
    }

    /** Copies the status and every field as the head has them; Undertow frames the body by them. */
    private void fields(ResponseHead head, boolean bodyless) {
        this.head = head;
        http.setStatusCode(head.status()).setReasonPhrase(head.reason());
        if (bodyless) {
            // what Undertow adds for a body it will not send (chunked, a close) gives way to the head; on HTTP/2 it adds
            // nothing of the kind, but :status, at once
            out = http.getResponseChannel();
            if (!http2) {
                http.getResponseHeaders().clear();
            }
        }
        head.forEach(this);
        http.setPersistent(!head.closes());
        if (head.closes() && !http2) {
            http.addExchangeCompleteListener((exchange, next) -> {
                guard.closing = true; // Undertow closes next, reading only to see the client's end
                next.proceed();
            });
        }
    }

    @Override
    public void accept(String name, String value) {
        HttpString cached = Headers.fromCache(name);
        http.getResponseHeaders().add(cached != null ? cached : new HttpString(name), value);
    }

    @Override
    public void write(ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            if (out.write(bytes) == 0) {
                await(out, config.idleTimeout());
            }
        }
    }

    @Override
    public void flush() throws IOException {
        while (!out.flush()) {
            await(out, config.idleTimeout());
        }
    }

    @Override
    public void end() throws IOException {
        out.shutdownWrites();
        flush();
        guard.engineReads = false;
        http.endExchange();
    }

    @Override
    public void abort() {
        try {
            // what was written goes out first; only a reset tells a body that runs until the close from a whole one
            http.getConnection().setOption(Options.CLOSE_ABORT, head.framing() == ResponseHead.Framing.UNTIL_CLOSE);
            out.flush();
        } catch (IOException | RuntimeException e) {
            // no head or no body yet, or a broken connection: it closes all the same
        }
        http.setPersistent(false);
        IoUtils.safeClose(http.getConnection());
        http.endExchange();
    }

    @Override
    public boolean webSockets() {
        return true;
    }

    /** Hands the connection to Undertow's WebSocket handshake (RFC 6455, version 13) with the head's fields. */
    @Override
    public void upgrade(WebSocketUpgrade upgrade) throws IOException {
        this.head = upgrade.head();
        upgrade.head().forEach(this);
        guard.upgraded = true;
        FrameGuard frames = upgrade.deflate().isPresent() ? new FrameGuard() : null;
        guard.frames = frames;
        WebSocketConnectionCallback connected = (exchange, channel) -> {
            UndertowWebSocket socket = new UndertowWebSocket(channel, upgrade.maxMessageSize());
            WebSocketEvents events = upgrade.open(socket);
            if (frames != null) {
                frames.onBroken(() -> events.protocolError(1002,
                        new IOException("a frame with RSV bits that permessage-deflate does not use")));
            }
            socket.start(events);
        };
        try {
            Hybi13Handshake rfc6455 = new Hybi13Handshake() {
                @Override
                protected void upgradeChannel(WebSocketHttpExchange exchange, byte[] data) {
                    // fields of the drafts before RFC 6455 that Undertow's handshake still sets
                    http.getResponseHeaders().remove(Headers.SEC_WEB_SOCKET_LOCATION);
                    http.getResponseHeaders().remove(Headers.SEC_WEB_SOCKET_ORIGIN);
                    super.upgradeChannel(exchange, data);
                }

                @Override
                protected List<WebSocketExtension> selectedExtension(List<WebSocketExtension> offered) {
                    return List.of(); // the head carries the core's agreement, from which Undertow sets the extension up
                }
            };
            upgrade.deflate().ifPresent(agreed -> {
                boolean serverContext = !agreed.serverNoContextTakeover(), clientContext = !agreed.clientNoContextTakeover();
                rfc6455.addExtension(new PerMessageDeflateHandshake(false, Deflater.DEFAULT_COMPRESSION, serverContext, clientContext) {
                    @Override
                    public ExtensionFunction create() {
                        return new BoundedDeflate(Deflater.DEFAULT_COMPRESSION, serverContext, clientContext, upgrade.maxMessageSize());
                    }
                });
            });
            new WebSocketProtocolHandshakeHandler(List.of(rfc6455), connected, refused -> abort())
                    .handleRequest(http);
        } catch (Exception e) {
            throw e instanceof IOException io ? io : new IOException(e);
        }
    }

    @Override
    public boolean onIoThread() {
        return http.isInIoThread();
    }

    @Override
    public void offload(Runnable task) {
        http.dispatch(WorkerBatch::start, task);
    }

    /** Waits for the channel with XNIO's own wait, which parks a virtual thread; fails when it passes the timeout. */
    private void await(java.nio.channels.Channel channel, Duration timeout) throws IOException {
        long start = System.nanoTime();
        if (channel == in) {
            in.awaitReadable(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } else {
            out.awaitWritable(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        if (System.nanoTime() - start >= timeout.toNanos()) {
            throw new java.net.SocketTimeoutException("no progress for " + timeout.toMillis() + " ms");
        }
    }
}
