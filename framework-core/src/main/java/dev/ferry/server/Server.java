package dev.ferry.server;

import java.time.Duration;

/** A running server. Closing it stops it gracefully within the configured grace period. */
public interface Server extends AutoCloseable {

    /** Returns the name of the server, such as {@code undertow}. */
    String name();

    /** Returns the host or address it is bound to. */
    String host();

    /** Returns the port it is bound to, the real one when port 0 was asked for. */
    int port();

    /**
     * Stops accepting connections, lets requests in flight finish for up to {@code grace} while new
     * requests get 503 with {@code Connection: close}, then closes every connection.
     */
    void stop(Duration grace);

    /** Stops with the configured shutdown grace period. */
    @Override
    void close();
}
