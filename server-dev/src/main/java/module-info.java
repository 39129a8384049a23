/**
 * Ferry's development server on the JDK's built-in HTTP server: no dependency beyond the JDK, with a
 * request log, a debug error page and reload on change. Not for production.
 */
module dev.ferry.dev {
    requires transitive dev.ferry.core;
    requires jdk.httpserver;

    exports dev.ferry.dev;

    provides dev.ferry.spi.ServerProvider with dev.ferry.dev.DevServerProvider;
}
