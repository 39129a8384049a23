/** Runs Ferry apps on Undertow: add this module and {@code Ferry.serve} picks it. */
module dev.ferry.undertow {
    requires dev.ferry.core;
    requires undertow.core;
    requires xnio.api;
    requires java.logging; // for the overloads of XNIO's IoUtils.safeClose
    exports dev.ferry.undertow;
    provides dev.ferry.spi.ServerProvider with dev.ferry.undertow.UndertowServerProvider;
}
