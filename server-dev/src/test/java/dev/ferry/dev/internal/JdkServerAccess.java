package dev.ferry.dev.internal;

import dev.ferry.Handler;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;

/** Starts the dev server without banner or request log, for tests in other packages. */
public final class JdkServerAccess {

    private JdkServerAccess() {
    }

    /** Starts the server quietly. */
    public static Server start(Handler app, ServerConfig config) {
        return JdkServer.start(app, config, null, null);
    }
}
