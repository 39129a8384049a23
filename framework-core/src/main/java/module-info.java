/**
 * Ferry's server-agnostic API: requests, responses, handlers, filters, routing, server settings
 * and the provider interface that server modules implement.
 */
module dev.ferry.core {
    exports dev.ferry;
    exports dev.ferry.routing;
    exports dev.ferry.server;
    exports dev.ferry.spi;

    uses dev.ferry.spi.ServerProvider;
}
