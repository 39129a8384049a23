package dev.ferry.bench.raw;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.examples.hello.HelloApp;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
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
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The raw Netty baseline: a tuned plain pipeline on the transport Ferry's Netty adapter picks
 * (io_uring, epoll, NIO; {@code ferry.netty.transport} forces one), one event loop group sized to the
 * cores, one flush per read batch and a Date header formatted once a second. It serves the hello
 * example's bytes: {@code GET /plaintext} and {@code GET /json} (serialised with Jackson per request),
 * on the port of system property {@code ferry.port}.
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
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpRequestDecoder(), new HttpResponseEncoder(), new Hello());
                    }
                })
                .bind(host, port).sync().channel();
        System.out.println("raw Netty (" + transport + ") at http://" + host + ":" + port + "/");
        server.closeFuture().sync();
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
