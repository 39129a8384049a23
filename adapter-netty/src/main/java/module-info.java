/** Runs Ferry apps on Netty 4.2, with its native transports where the platform has them. */
module dev.ferry.netty {
    requires dev.ferry.core;
    requires io.netty.buffer;
    requires io.netty.codec;
    requires io.netty.codec.compression;
    requires io.netty.codec.http;
    requires io.netty.codec.http2;
    requires io.netty.common;
    requires io.netty.handler;
    requires io.netty.transport;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.classes.io_uring;
    requires io.netty.transport.unix.common;
    exports dev.ferry.netty;
    provides dev.ferry.spi.ServerProvider with dev.ferry.netty.NettyServerProvider;
}
