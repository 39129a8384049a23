package dev.ferry.tomcat.internal;

import dev.ferry.server.ServerConfig;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import org.apache.coyote.Adapter;
import org.apache.coyote.Request;
import org.apache.coyote.http11.upgrade.InternalHttpUpgradeHandler;
import org.apache.coyote.http2.Http2Protocol;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * Tomcat's HTTP/2 under the contract's limits: h2c with prior knowledge (the preface that the head check passes) and
 * h2 by ALPN, never by {@code Upgrade: h2c}. It keeps its connections, so that a stop sends each of them GOAWAY.
 */
public final class TomcatHttp2 extends Http2Protocol {

    private final Set<InternalHttpUpgradeHandler> connections = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    /** Returns the protocol with the settings mapped from the config. */
    public TomcatHttp2(ServerConfig config) {
        setMaxConcurrentStreams(config.http2MaxStreams());
        setMaxConcurrentStreamExecution(config.http2MaxStreams());
        // the engine counts the fields against the contract's limits (431); Tomcat's own count comes after
        setMaxHeaderCount(-1);
        setReadTimeout(config.requestHeaderTimeout().toMillis());
        setKeepAliveTimeout(config.idleTimeout().toMillis());
        setStreamReadTimeout(config.bodyReadTimeout().toMillis());
        // a client that takes no bytes, or gives a stream no window, for the idle timeout: as on the other servers
        setWriteTimeout(config.idleTimeout().toMillis());
        setStreamWriteTimeout(config.idleTimeout().toMillis());
        // rapid reset (CVE-2023-44487) and other floods: Tomcat's overhead protection at its defaults, stated here
        setOverheadCountFactor(10);
        setOverheadResetFactor(50);
        // a body streamed in small DATA frames is served as on the other servers, which do not count frame sizes
        setOverheadDataThreshold(0);
    }

    /** Refuses {@code Upgrade: h2c}: Ferry speaks HTTP/2 to a client that opens with the preface or picks h2 by ALPN. */
    @Override
    public boolean accept(Request request) {
        return false;
    }

    @Override
    public InternalHttpUpgradeHandler getInternalUpgradeHandler(SocketWrapperBase<?> socket, Adapter adapter, Request request) {
        InternalHttpUpgradeHandler connection = super.getInternalUpgradeHandler(socket, adapter, request);
        connections.add(connection);
        return connection;
    }

    /** Sends GOAWAY on every HTTP/2 connection: streams already open go on, new ones are refused. */
    public void goAway() {
        InternalHttpUpgradeHandler[] open;
        synchronized (connections) {
            open = connections.toArray(InternalHttpUpgradeHandler[]::new);
        }
        for (InternalHttpUpgradeHandler connection : open) {
            connection.pause();
        }
    }
}
