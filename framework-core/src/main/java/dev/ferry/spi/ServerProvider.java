package dev.ferry.spi;

import dev.ferry.Handler;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;

/**
 * Starts a Ferry app on one kind of server. Each server module registers one with
 * {@link java.util.ServiceLoader}, and {@link dev.ferry.server.Ferry#serve} picks among those found.
 */
public interface ServerProvider {

    /** Returns the short name users choose it by: {@code dev}, {@code undertow}, {@code netty}, {@code tomcat}. */
    String name();

    /** Returns whether it is fit for production; the dev server is not, and is chosen only when nothing else is there. */
    boolean production();

    /**
     * Starts serving the app with these settings and returns once the server is listening.
     *
     * @throws java.io.UncheckedIOException when it cannot bind
     */
    Server start(Handler app, ServerConfig config);
}
