package dev.ferry.undertow;

import dev.ferry.Handler;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.ServerProvider;
import dev.ferry.undertow.internal.UndertowServer;

/** Runs Ferry apps on Undertow's HTTP/1.1 listener (undertow-core only), found by the name {@code undertow}. */
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
        return new UndertowServer(app, config);
    }
}
