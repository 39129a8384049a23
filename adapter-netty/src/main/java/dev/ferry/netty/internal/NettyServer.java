package dev.ferry.netty.internal;

import dev.ferry.Handler;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Engine;
import dev.ferry.spi.TlsContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.Errors;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** A Ferry app served by Netty, with one event loop group sized to the cores. */
public final class NettyServer implements Server {

    /** The flushes a {@code FlushConsolidationHandler} holds back before one goes through anyway. */
    static final int FLUSHES_PER_WRITE = 256;

    private final ServerConfig config;
    private final Engine engine;
    private final String transport;
    private final EventLoopGroup group;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Channel listener;
    private final javax.net.ssl.SSLContext tls; // null for plain HTTP

    /** Starts serving the app and returns once it listens; throws {@link java.io.UncheckedIOException} when it cannot. */
    public NettyServer(Handler app, ServerConfig config) {
        this.config = config;
        this.engine = Engine.create(app, config);
        this.tls = config.tls().map(settings -> TlsContext.create(settings, config.http2())).orElse(null);
        String forced = System.getProperty("ferry.netty.transport", "").strip().toLowerCase(Locale.ROOT);
        boolean uring = forced.matches("|io_?uring") && IoUring.isAvailable();
        boolean epoll = !uring && forced.matches("|epoll") && Epoll.isAvailable();
        if (!uring && !epoll && !forced.matches("|nio")) {
            throw new IllegalStateException("ferry.netty.transport: cannot use '" + forced + "' here; choose io_uring, epoll or nio");
        }
        // io_uring, else epoll, else NIO, unless the property names one; only the chosen one's classes are loaded
        transport = uring ? "io_uring" : epoll ? "epoll" : "nio";
        group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), uring ? IoUringIoHandler.newFactory()
                : epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        var type = uring ? IoUringServerSocketChannel.class : epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        try {
            listener = new ServerBootstrap().group(group).channel(type)
                    .option(ChannelOption.SO_BACKLOG, 1024).option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true).childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            channels.add(channel); // the group forgets a channel once it closes, before this listener runs
                            // at the limit, more connections wait in the backlog until one closes
                            channel.closeFuture().addListener(closed -> acceptBelowTheLimit(channel));
                            acceptBelowTheLimit(channel);
                            if (channels.size() > config.maxConnections() || channel.remoteAddress() == null) {
                                channel.close(); // over the limit, or the peer is gone already
                                return;
                            }
                            var idle = new IdleStateHandler(config.idleTimeout().toNanos(), 0, 0, TimeUnit.NANOSECONDS);
                            if (tls != null) { // decrypts ahead of the decoder, so the head check sees plain bytes
                                SslHandler ssl = new SslHandler(tls.createSSLEngine());
                                ssl.setHandshakeTimeoutMillis(config.requestHeaderTimeout().toMillis());
                                channel.pipeline().addLast(ssl); // a ChunkedWriteHandler follows it once a file is sent
                            }
                            channel.pipeline().addLast(new FlushConsolidationHandler(FLUSHES_PER_WRITE), idle, new RequestDecoder(config),
                                    new Connection(channel, engine, config, idle));
                        }
                    })
                    .bind(config.host().isPresent() ? new InetSocketAddress(host(), config.port()) : new InetSocketAddress(config.port()))
                    .syncUninterruptibly().channel();
        } catch (Exception e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            // the native transports (Linux only) report errno EADDRINUSE (98), not a BindException
            boolean inUse = e instanceof Errors.NativeIoException n && n.expectedErr() == -98;
            throw Engine.cannotListen(host(), config.port(), inUse ? new BindException("Address already in use").initCause(e) : e);
        }
    }

    private void acceptBelowTheLimit(Channel channel) {
        channel.parent().config().setAutoRead(channels.size() < config.maxConnections());
    }

    @Override
    public String name() { return "netty"; }

    @Override
    public String host() { return config.host().orElse("0.0.0.0"); }

    @Override
    public int port() { return ((InetSocketAddress) listener.localAddress()).getPort(); }

    /** Stops in the engine's one sequence: the listener stays open until the engine stops accepting. */
    @Override
    public void stop(Duration grace) {
        // HTTP/2 connections get GOAWAY now: their streams in flight go on for the grace, new ones are refused
        channels.forEach(channel -> channel.eventLoop().execute(() -> Http2Stream.goAway(channel, grace)));
        engine.stop(grace, () -> listener.close().awaitUninterruptibly(), () -> {
            // io_uring writes complete later: close once what was written is out, or after a second
            channels.writeAndFlush(Unpooled.EMPTY_BUFFER).awaitUninterruptibly(1, TimeUnit.SECONDS);
            channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        });
    }

    @Override
    public void close() { stop(config.shutdownGrace()); }

    @Override
    public String toString() { return "NettyServer[" + transport + " " + host() + ":" + port() + "]"; }
}
