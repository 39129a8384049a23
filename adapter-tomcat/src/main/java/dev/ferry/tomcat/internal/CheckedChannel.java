package dev.ferry.tomcat.internal;

import dev.ferry.HttpException;
import dev.ferry.Status;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Engine;
import dev.ferry.spi.HeadCheck;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.NioEndpoint;
import org.apache.tomcat.util.net.SecureNioChannel;
import org.apache.tomcat.util.net.SocketBufferHandler;

/**
 * A connection's channel that runs the core's {@link HeadCheck} over every byte before Tomcat's parser sees it.
 * Tomcat gets only the bytes before a refused head; when it reads again, its earlier responses sent, the refusal
 * goes straight to the connection and the read reports the end of the stream, so Tomcat closes it. A head still
 * incomplete at the request header timeout is refused with 408 so as more of it arrives; Tomcat closes a silent one.
 */
public final class CheckedChannel extends NioChannel {

    /** Connections an app upgraded to WebSocket, by peer and local port, until their channel's next read or its close. */
    private static final Set<String> UPGRADES = ConcurrentHashMap.newKeySet();

    private final Gate gate;

    private CheckedChannel(SocketBufferHandler buffer, ServerConfig config) {
        super(buffer);
        this.gate = new Gate(config);
    }

    /** Marks the connection of this request as upgraded: from now on its bytes are not checked as HTTP heads. */
    static void upgraded(HttpServletRequest request) {
        UPGRADES.add(request.getRemoteAddr() + " " + request.getRemotePort() + " " + request.getLocalPort());
    }

    /** Returns Tomcat's NIO endpoint with every connection's channel checked under these limits, TLS ones after decryption. */
    public static NioEndpoint endpoint(ServerConfig config) {
        return new NioEndpoint() {
            @Override
            protected NioChannel createChannel(SocketBufferHandler buffer) {
                return isSSLEnabled() ? new Secure(buffer, this, config) : new CheckedChannel(buffer, config);
            }
        };
    }

    @Override
    public void reset(SocketChannel channel, NioEndpoint.NioSocketWrapper wrapper) throws IOException {
        super.reset(channel, wrapper);
        gate.reset(channel, wrapper);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return gate.read(dst, super::read);
    }

    @Override
    public void close() throws IOException {
        gate.closing();
        super.close();
    }

    /** A TLS connection's channel: the same check over the decrypted bytes, its refusal written encrypted. */
    private static final class Secure extends SecureNioChannel {
        private final Gate gate;

        Secure(SocketBufferHandler buffer, NioEndpoint endpoint, ServerConfig config) {
            super(buffer, endpoint);
            this.gate = new Gate(config);
        }

        @Override
        public void reset(SocketChannel channel, NioEndpoint.NioSocketWrapper wrapper) throws IOException {
            super.reset(channel, wrapper);
            gate.reset(channel, wrapper);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return gate.read(dst, super::read);
        }

        @Override
        public void close() throws IOException {
            gate.closing();
            super.close();
        }
    }

    private interface Io {
        int read(ByteBuffer dst) throws IOException;
    }

    /** The check over one connection's bytes, whichever channel reads them. */
    private static final class Gate {
        private final ServerConfig config;
        private HeadCheck check;
        private long headStart;
        private boolean refused;
        private boolean upgraded;
        private SocketChannel socket;
        private NioEndpoint.NioSocketWrapper wrapper;

        Gate(ServerConfig config) {
            this.config = config;
        }

        void reset(SocketChannel socket, NioEndpoint.NioSocketWrapper wrapper) {
            this.socket = socket;
            this.wrapper = wrapper;
            check = HeadCheck.following(config);
            refused = false;
            upgraded = false;
        }

        private boolean upgraded() throws IOException {
            if (!upgraded && !UPGRADES.isEmpty()) {
                var remote = (InetSocketAddress) socket.getRemoteAddress();
                var local = (InetSocketAddress) socket.getLocalAddress();
                upgraded = UPGRADES.remove(remote.getAddress().getHostAddress() + " " + remote.getPort() + " " + local.getPort());
            }
            return upgraded;
        }

        /** Takes the connection's upgrade mark, if no read has: a connection closed without reading again leaves none. */
        void closing() {
            try {
                if (socket != null && socket.isOpen()) {
                    upgraded();
                }
            } catch (IOException | RuntimeException gone) {
                // a socket already closed has no addresses to look its mark up by
            }
        }

        int read(ByteBuffer dst, Io raw) throws IOException {
            if (upgraded()) {
                return raw.read(dst); // WebSocket frames, no longer HTTP
            }
            if (refused || check.failed()) {
                return failed();
            }
            boolean inHead = check.inHead();
            if (inHead && System.nanoTime() - headStart > config.requestHeaderTimeout().toNanos()) {
                return refuse(Engine.refusal(Status.REQUEST_TIMEOUT, Status.REQUEST_TIMEOUT.reason()));
            }
            int from = dst.position();
            int n = raw.read(dst);
            int at = from;
            while (at < from + n && !check.failed()) {
                at = check.scan(dst, at, from + n);
            }
            if (check.failed()) {
                // nothing from the refused head or the broken chunk on reaches Tomcat
                dst.position(at);
                return at > from ? at - from : failed();
            }
            if (n > 0 && check.inHead() && (!inHead || check.headStart() >= 0)) {
                headStart = System.nanoTime();
            }
            return n;
        }

        private int failed() throws IOException {
            if (refused) {
                return -1;
            }
            if (check.malformedBody()) {
                // unchecked, so that Tomcat passes it to the body's reader as it is rather than as its own 400
                throw new HttpException(Status.BAD_REQUEST);
            }
            return refuse(check.refusalBytes());
        }

        private int refuse(byte[] response) throws IOException {
            refused = true;
            wrapper.write(true, response, 0, response.length); // through the channel: encrypted on TLS
            wrapper.flush(true);
            socket.shutdownOutput();
            return -1;
        }
    }
}
