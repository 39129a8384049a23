package dev.ferry.bench.raw;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.examples.hello.HelloApp;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The raw Netty baseline: a tuned plain pipeline on the transport Ferry's Netty adapter picks
 * (io_uring, epoll, NIO; {@code ferry.netty.transport} forces one), one event loop group sized to the
 * cores, one flush per read batch and a Date header formatted once a second. It serves the hello
 * example's bytes: {@code GET /plaintext} and {@code GET /json} (serialised with Jackson per request),
 * on the port of system property {@code ferry.port}. {@code -Draw.http2=true} adds Netty's HTTP/2 codec
 * ({@code Http2FrameCodec} with {@code Http2MultiplexHandler}, a child channel per stream) behind
 * {@code CleartextHttp2ServerUpgradeHandler} on the plain port, or behind ALPN over TLS;
 * {@code -Draw.tls.keystore} turns on TLS ({@link RawTls}).
 */
public final class RawNetty {

    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.UTF_8);
    private static final AsciiString TEXT = AsciiString.cached("text/plain; charset=utf-8");
    private static final AsciiString JSON = AsciiString.cached("application/json");
    private static final AsciiString HELLO_LENGTH = AsciiString.cached(Integer.toString(HELLO.length));
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private static volatile AsciiString date = now();

    private RawNetty() {
    }

    private static AsciiString now() {
        return AsciiString.cached(IMF_FIXDATE.format(ZonedDateTime.now(ZoneOffset.UTC)));
    }

    /** Serves until the process ends. */
    public static void main(String[] args) throws Exception {
        int port = Integer.getInteger("ferry.port", 8080);
        String host = System.getProperty("ferry.host", "127.0.0.1");
        String transport = transport();
        IoHandlerFactory factory;
        Class<? extends ServerChannel> channel;
        switch (transport) {
            case "io_uring" -> {
                factory = IoUringIoHandler.newFactory();
                channel = IoUringServerSocketChannel.class;
            }
            case "epoll" -> {
                factory = EpollIoHandler.newFactory();
                channel = EpollServerSocketChannel.class;
            }
            default -> {
                factory = NioIoHandler.newFactory();
                channel = NioServerSocketChannel.class;
            }
        }
        // Netty's own default is two event loops per core; matched, one per core as the adapter runs
        EventLoopGroup group = Boolean.getBoolean("raw.matched")
                ? new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), factory)
                : new MultiThreadIoEventLoopGroup(factory);
        group.scheduleAtFixedRate(() -> date = now(), 1, 1, TimeUnit.SECONDS);
        Channel server = new ServerBootstrap()
                .group(group)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(initializer(sslContext()))
                .bind(host, port).sync().channel();
        System.out.println("raw Netty (" + transport + ", " + RawTls.describe() + ") at " + host + ":" + port);
        server.closeFuture().sync();
    }

    /**
     * Returns the TLS context for {@code -Draw.tls.keystore}, or null: the JDK key manager over the keystore,
     * Netty's default provider, and with HTTP/2 ALPN {@code h2, http/1.1} and the HTTP/2 cipher list, as in
     * Netty's own HTTP/2 server example.
     */
    private static SslContext sslContext() throws SSLException {
        if (RawTls.keystore() == null) {
            return null;
        }
        SslContextBuilder builder = SslContextBuilder.forServer(RawTls.keyManagers());
        if (RawTls.http2()) {
            builder.ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1));
        }
        return builder.build();
    }

    /**
     * The pipeline of an accepted connection: HTTP/1.1 alone; with HTTP/2 on the plain port, Netty's
     * {@code CleartextHttp2ServerUpgradeHandler} (prior knowledge or Upgrade to h2c, else HTTP/1.1); over
     * TLS, the {@code SslHandler} and then the protocol ALPN chose.
     */
    private static ChannelInitializer<Channel> initializer(SslContext ssl) {
        boolean http2 = RawTls.http2();
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (ssl != null) {
                    ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                    if (http2) {
                        ch.pipeline().addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                            @Override
                            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                                if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                                    ctx.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(),
                                            new Http2MultiplexHandler(new H2Hello()));
                                } else {
                                    ctx.pipeline().addLast(new HttpRequestDecoder(), new HttpResponseEncoder(), new Hello());
                                }
                            }
                        });
                        return;
                    }
                }
                if (http2 && ssl == null) {
                    HttpServerCodec codec = new HttpServerCodec();
                    HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(codec, protocol ->
                            AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                                    ? new Http2ServerUpgradeCodec(Http2FrameCodecBuilder.forServer().build(),
                                            new Http2MultiplexHandler(new H2Hello()))
                                    : null);
                    // with prior knowledge the handler below takes this one's place, ahead of the HTTP/1.1 handler
                    ch.pipeline().addLast(new CleartextHttp2ServerUpgradeHandler(codec, upgrade, new ChannelHandlerAdapter() {
                        @Override
                        public void handlerAdded(ChannelHandlerContext ctx) {
                            // the multiplex handler needs the frame codec in the pipeline when it is added
                            ctx.pipeline().addAfter(ctx.name(), "h2-codec", Http2FrameCodecBuilder.forServer().build())
                                    .addAfter("h2-codec", null, new Http2MultiplexHandler(new H2Hello()))
                                    .remove(Hello.class);
                            ctx.pipeline().remove(this);
                        }
                    }), new Hello());
                    return;
                }
                ch.pipeline().addLast(new HttpRequestDecoder(), new HttpResponseEncoder(), new Hello());
            }
        };
    }

    /** Answers each HTTP/2 stream (a child channel of {@code Http2MultiplexHandler}) with the hello bytes. */
    @ChannelHandler.Sharable
    private static final class H2Hello extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            try {
                if (msg instanceof Http2HeadersFrame frame && frame.isEndStream()) {
                    answer(ctx, frame.headers().path());
                } else if (msg instanceof Http2DataFrame frame && frame.isEndStream()) {
                    answer(ctx, null);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private static void answer(ChannelHandlerContext ctx, CharSequence path) throws Exception {
            Http2Headers headers = new DefaultHttp2Headers().status(HttpResponseStatus.OK.codeAsText());
            ByteBuf content;
            if (path != null && AsciiString.contentEquals(path, "/plaintext")) {
                content = Unpooled.wrappedBuffer(HELLO);
                headers.set(HttpHeaderNames.CONTENT_TYPE, TEXT).set(HttpHeaderNames.CONTENT_LENGTH, HELLO_LENGTH);
            } else if (path != null && AsciiString.contentEquals(path, "/json")) {
                byte[] json = MAPPER.writeValueAsBytes(new HelloApp.Message("Hello, World!"));
                content = Unpooled.wrappedBuffer(json);
                headers.set(HttpHeaderNames.CONTENT_TYPE, JSON)
                        .set(HttpHeaderNames.CONTENT_LENGTH, AsciiString.of(Integer.toString(json.length)));
            } else {
                headers.status(HttpResponseStatus.NOT_FOUND.codeAsText()).set(HttpHeaderNames.CONTENT_LENGTH, HttpHeaderValues.ZERO);
                ctx.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true));
                return;
            }
            headers.set(HttpHeaderNames.DATE, date);
            ctx.write(new DefaultHttp2HeadersFrame(headers, false));
            ctx.writeAndFlush(new DefaultHttp2DataFrame(content, true));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static String transport() {
        String forced = System.getProperty("ferry.netty.transport");
        if (forced != null) {
            return forced.toLowerCase(Locale.ROOT);
        }
        if (IoUring.isAvailable()) {
            return "io_uring";
        }
        return Epoll.isAvailable() ? "epoll" : "nio";
    }

    /** Answers each request on the event loop and flushes once per read batch. */
    private static final class Hello extends ChannelInboundHandlerAdapter {
        private boolean flush;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof HttpRequest request) {
                boolean keepAlive = HttpUtil.isKeepAlive(request);
                String uri = request.uri();
                DefaultFullHttpResponse response;
                if (uri.equals("/plaintext")) {
                    response = response(Unpooled.wrappedBuffer(HELLO), TEXT, HELLO_LENGTH);
                } else if (uri.equals("/json")) {
                    byte[] json = MAPPER.writeValueAsBytes(new HelloApp.Message("Hello, World!"));
                    response = response(Unpooled.wrappedBuffer(json), JSON, AsciiString.of(Integer.toString(json.length)));
                } else {
                    response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND,
                            Unpooled.EMPTY_BUFFER, HEADERS.newHeaders().set(HttpHeaderNames.CONTENT_LENGTH, HttpHeaderValues.ZERO),
                            EmptyHttpHeaders.INSTANCE);
                }
                if (keepAlive) {
                    ctx.write(response, ctx.voidPromise());
                    flush = true;
                } else {
                    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                }
            }
            if (msg instanceof LastHttpContent || !(msg instanceof HttpRequest)) {
                ReferenceCountUtil.release(msg);
            }
        }

        private static DefaultFullHttpResponse response(ByteBuf content, AsciiString type, AsciiString length) {
            HttpHeaders headers = HEADERS.newHeaders();
            headers.set(HttpHeaderNames.CONTENT_TYPE, type);
            headers.set(HttpHeaderNames.CONTENT_LENGTH, length);
            headers.set(HttpHeaderNames.DATE, date);
            return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content, headers,
                    EmptyHttpHeaders.INSTANCE);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (flush) {
                flush = false;
                ctx.flush();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
