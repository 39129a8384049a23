/**
 * Ferry's conformance suite, which every server must pass, the raw-socket client and behaviour diff it
 * is built on, and a differential fuzzer that compares servers on generated requests.
 */
module dev.ferry.testkit {
    requires transitive dev.ferry.core;
    requires transitive org.junit.jupiter.api;
    requires org.junit.jupiter.params;
    requires java.management;
    requires jdk.management;
    requires java.logging;
    requires java.net.http;

    exports dev.ferry.testkit;
    exports dev.ferry.testkit.fuzz;

    opens dev.ferry.testkit to org.junit.platform.commons;

    uses dev.ferry.spi.ServerProvider;
}
