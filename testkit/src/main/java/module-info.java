/**
 * Ferry's conformance suite, which every server must pass, and the raw-socket client and behaviour diff
 * it is built on.
 */
module dev.ferry.testkit {
    requires transitive dev.ferry.core;
    requires transitive org.junit.jupiter.api;
    requires org.junit.jupiter.params;
    requires java.management;

    exports dev.ferry.testkit;

    opens dev.ferry.testkit to org.junit.platform.commons;

    uses dev.ferry.spi.ServerProvider;
}
