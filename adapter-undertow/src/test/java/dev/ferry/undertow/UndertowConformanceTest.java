package dev.ferry.undertow;

import dev.ferry.testkit.ConformanceSuite;
import java.util.Map;

/** Runs the whole conformance suite (semantics, hardening, shutdown, HTTP/2) against Ferry on Undertow. */
class UndertowConformanceTest extends ConformanceSuite {

    @Override
    protected Map<String, String> knownGaps() {
        return Map.of("Http2.connectionFieldsAreRefusedOnTheirStreamOnly",
                "Undertow's HPACK decoder ends the whole connection with GOAWAY (PROTOCOL_ERROR) on a request's "
                        + "transfer-encoding field, a stream error that RFC 9113 (section 5.4.1) lets it treat as a "
                        + "connection error; the other connection fields are refused on their stream only");
    }
}
