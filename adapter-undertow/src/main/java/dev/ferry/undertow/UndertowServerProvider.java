package dev.ferry.undertow;

import dev.ferry.Handler;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.ServerProvider;
import dev.ferry.undertow.internal.UndertowServer;

/**
 * Runs Ferry apps on Undertow's HTTP/1.1 listener (undertow-core only). Found by
 * {@link java.util.ServiceLoader} under the name {@code undertow}; start it directly with
 * {@code new UndertowServerProvider().start(app, config)}.
 *
 * <p>By default each handler runs on its own virtual thread. With {@code Execution.IO_THREAD} a request
 * without a body runs inline on Undertow's IO thread; a request with a body still runs on a virtual
 * thread, because reading it blocks, and a streamed response ({@code Body.Stream}, {@code Body.Streamed})
 * is written from a virtual thread for the same reason.
 */
public final class UndertowServerProvider implements ServerProvider {

    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public UndertowServerProvider() {
    }

    @Override
    public String name() {
        return "undertow";
    }

    @Override
    public boolean production() {
        return true;
    }

    @Override
    public Server start(Handler app, ServerConfig config) {
        return UndertowServer.start(app, config);
    }
}
