package dev.ferry.tomcat.internal;

import dev.ferry.Handler;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.ServerProvider;
import dev.ferry.tomcat.TomcatServer;

/** Registers embedded Tomcat as the production server named {@code tomcat}. */
public final class TomcatProvider implements ServerProvider {

    @Override
    public String name() {
        return "tomcat";
    }

    @Override
    public boolean production() {
        return true;
    }

    @Override
    public Server start(Handler app, ServerConfig config) {
        return TomcatServer.start(app, config);
    }
}
