package dev.ferry.server;

/** Where a server runs each request's handler. */
public enum Execution {
    /** On a new virtual thread per request, where blocking is safe: the default. */
    VIRTUAL_THREADS,
    /** Inline on the server's IO thread, for handlers that never block: the fastest mode. */
    IO_THREAD
}
