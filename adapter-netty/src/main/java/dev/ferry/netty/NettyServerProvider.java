package dev.ferry.netty;

import dev.ferry.Handler;
import dev.ferry.netty.internal.NettyServer;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.ServerProvider;

/**
 * Serves Ferry apps on Netty: io_uring, epoll or NIO (in that order of preference, or as system
 * property {@code ferry.netty.transport} forces), request and response bodies streamed both ways.
 */
public final class NettyServerProvider implements ServerProvider {

    /** Creates the provider; {@link java.util.ServiceLoader} calls it. */
    public NettyServerProvider() {
    }

    @Override
    public String name() {
        return "netty";
    }

    @Override
    public boolean production() {
        return true;
    }

    @Override
    public Server start(Handler app, ServerConfig config) {
        return new NettyServer(app, config);
    }
}
