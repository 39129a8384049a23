package dev.ferry.tomcat;

import dev.ferry.testkit.ConformanceSuite;
import java.util.Map;

/** Runs the whole conformance suite (semantics, hardening, shutdown) against embedded Tomcat. */
class TomcatConformanceTest extends ConformanceSuite {

    private static final String DROPS_CONNECTION = "Tomcat's Http11Processor closes the connection (and says "
            + "Connection: close) after every 400, 408, 411, 413, 414, 500, 501 and 503 response, a hard-coded rule "
            + "(statusDropsConnection) with no setting; the response itself is Ferry's, but the connection is not reusable";

    @Override
    protected Map<String, String> knownGaps() {
        return Map.of(
                "Semantics.unknownMethodIs501", DROPS_CONNECTION,
                "Semantics.handlerExceptionIsAGeneric500", DROPS_CONNECTION);
    }
}
