package dev.ferry.netty.internal;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import java.util.Locale;

/** The socket transport: io_uring, then epoll, then NIO, unless {@code ferry.netty.transport} names one. */
enum Transport {
    IO_URING {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return IoUringIoHandler.newFactory();
        }

        @Override
        Class<? extends ServerChannel> serverChannel() {
            return IoUringServerSocketChannel.class;
        }

        @Override
        boolean available() {
            try {
                return IoUring.isAvailable();
            } catch (Throwable e) {
                return false;
            }
        }
    },
    EPOLL {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        Class<? extends ServerChannel> serverChannel() {
            return EpollServerSocketChannel.class;
        }

        @Override
        boolean available() {
            try {
                return Epoll.isAvailable();
            } catch (Throwable e) {
                return false;
            }
        }
    },
    NIO {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        Class<? extends ServerChannel> serverChannel() {
            return NioServerSocketChannel.class;
        }

        @Override
        boolean available() {
            return true;
        }
    };

    /** The system property that forces a transport: {@code io_uring}, {@code epoll} or {@code nio}. */
    static final String PROPERTY = "ferry.netty.transport";

    abstract IoHandlerFactory ioHandlerFactory();

    abstract Class<? extends ServerChannel> serverChannel();

    abstract boolean available();

    /** Returns the forced transport, else the best one available here. */
    static Transport choose() {
        String forced = System.getProperty(PROPERTY);
        if (forced != null && !forced.isBlank()) {
            String name = forced.trim().toUpperCase(Locale.ROOT).replace('-', '_').replace("IOURING", "IO_URING");
            Transport transport;
            try {
                transport = valueOf(name);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(PROPERTY + ": cannot use '" + forced + "'; choose io_uring, epoll or nio");
            }
            if (!transport.available()) {
                throw new IllegalStateException(PROPERTY + " asks for " + forced + ", which is not available on this platform");
            }
            return transport;
        }
        for (Transport transport : values()) {
            if (transport.available()) {
                return transport;
            }
        }
        return NIO;
    }

    /** Returns the name used in logs and the property. */
    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
