package dev.ferry.tomcat;

import dev.ferry.testkit.ConformanceSuite;
import java.util.Map;

/** Runs the whole conformance suite against embedded Tomcat, with the one gap its WebSocket support has. */
class TomcatConformanceTest extends ConformanceSuite {

    @Override
    protected Map<String, String> knownGaps() {
        return Map.of("WebSockets.protocolCasesInTheMannerOfAutobahn[30]",
                "Tomcat's WebSocket frame reader answers a close frame whose reason is not UTF-8 with 1002 itself, "
                        + "before the adapter sees the frame; the other servers answer 1007");
    }
}
