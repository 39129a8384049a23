package dev.ferry.netty.internal;

import dev.ferry.Handler;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Dispatcher;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** A Ferry app served by Netty: one event loop group sized to the cores, accepting and serving. */
public final class NettyServer implements Server {

    private static final System.Logger LOG = System.getLogger("dev.ferry.netty");

    private final ServerConfig config;
    private final Dispatcher dispatcher;
    private final Transport transport;
    private final EventLoopGroup group;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile boolean acceptPaused;
    private Channel listener;
    private String host;
    private int port;

    private NettyServer(Handler app, ServerConfig config) {
        this.config = config;
        this.dispatcher = Dispatcher.create(app, config);
        this.transport = Transport.choose();
        this.group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                transport.ioHandlerFactory());
    }

    /**
     * Starts serving the app and returns once the port is bound.
     *
     * @throws UncheckedIOException when it cannot bind
     */
    public static NettyServer start(Handler app, ServerConfig config) {
        NettyServer server = new NettyServer(app, config);
        try {
            server.bind();
        } catch (RuntimeException e) {
            server.group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
        return server;
    }

    private void bind() {
        Settings settings = new Settings(dispatcher, config);
        int maxConnections = config.maxConnections();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        int count = open.incrementAndGet();
                        channel.closeFuture().addListener(future -> closed());
                        if (count > maxConnections || stopped.get()) {
                            channel.close();
                            return;
                        }
                        if (count >= maxConnections) {
                            pauseAccepting();
                        }
                        channels.add(channel);
                        Connection connection = new Connection(settings);
                        channel.pipeline().addLast("decoder", new RequestDecoder(config, connection))
                                .addLast("encoder", new HttpResponseEncoder())
                                .addLast("ferry", connection);
                    }
                });
        String wanted = config.host().orElse(null);
        InetSocketAddress address = wanted == null ? new InetSocketAddress(config.port())
                : new InetSocketAddress(wanted, config.port());
        try {
            listener = bootstrap.bind(address).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding " + address, e);
        } catch (Exception e) {
            IOException cause = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
            throw new UncheckedIOException("cannot listen on " + address + ": " + e.getMessage(), cause);
        }
        InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
        host = wanted != null ? wanted : bound.getAddress().isAnyLocalAddress() ? "0.0.0.0" : bound.getHostString();
        port = bound.getPort();
        long now = System.currentTimeMillis();
        group.next().scheduleAtFixedRate(settings.date::refresh, 1000 - now % 1000, 1000, TimeUnit.MILLISECONDS);
        LOG.log(System.Logger.Level.DEBUG, "Netty " + transport.label() + " transport, "
                + Runtime.getRuntime().availableProcessors() + " event loops, " + config.execution().orElse(dev.ferry.server.Execution.VIRTUAL_THREADS));
    }

    private void pauseAccepting() {
        acceptPaused = true;
        listener().config().setAutoRead(false);
    }

    private void closed() {
        int count = open.decrementAndGet();
        if (acceptPaused && count < config.maxConnections() && !stopped.get()) {
            acceptPaused = false;
            listener().config().setAutoRead(true);
        }
    }

    private Channel listener() {
        return listener;
    }

    /** Returns the transport in use: io_uring, epoll or nio. */
    public String transport() {
        return transport.label();
    }

    @Override
    public String name() {
        return "netty";
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public void stop(Duration grace) {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        // refuse first: a keep-alive request that arrives while the listener closes must already get 503
        dispatcher.beginShutdown();
        listener.close().syncUninterruptibly();
        try {
            if (!dispatcher.awaitIdle(grace)) {
                LOG.log(System.Logger.Level.WARNING, dispatcher.inFlight()
                        + " requests still running after the grace period of " + grace + "; closing their connections");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        stop(config.shutdownGrace());
    }

    @Override
    public String toString() {
        return "NettyServer[" + transport.label() + " " + host + ":" + port + "]";
    }
}
