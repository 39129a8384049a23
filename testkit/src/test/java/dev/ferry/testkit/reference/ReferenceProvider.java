package dev.ferry.testkit.reference;

import dev.ferry.Handler;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.ServerProvider;

/** Provides the {@link ReferenceServer}, flawless unless a subclass says otherwise. */
public class ReferenceProvider implements ServerProvider {

    private final ReferenceServer.Flaw flaw;

    /** The flawless server, as the service loader creates it. */
    public ReferenceProvider() {
        this(ReferenceServer.Flaw.NONE);
    }

    /** A server with this defect. */
    public ReferenceProvider(ReferenceServer.Flaw flaw) {
        this.flaw = flaw;
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public boolean production() {
        return true;
    }

    @Override
    public Server start(Handler app, ServerConfig config) {
        return new ReferenceServer(app, config, flaw);
    }
}
