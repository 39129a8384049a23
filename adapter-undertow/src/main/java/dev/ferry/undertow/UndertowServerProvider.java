package dev.ferry.undertow;

import dev.ferry.Handler;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.ServerProvider;
import dev.ferry.undertow.internal.UndertowServer;

/**
 * Runs Ferry apps on Undertow. Found by {@link java.util.ServiceLoader} under the name {@code undertow};
 * start it directly with {@code new UndertowServerProvider().start(app, config)}.
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
