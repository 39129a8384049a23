/** Runs Ferry apps on Undertow: add this module and {@code Ferry.serve} picks it. */
module dev.ferry.undertow {
    requires dev.ferry.core;
    requires undertow.core;
    requires xnio.api;

    exports dev.ferry.undertow;

    provides dev.ferry.spi.ServerProvider with dev.ferry.undertow.UndertowServerProvider;
}
