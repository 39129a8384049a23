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
                        + "connection error; the other connection fields are refused on their stream only",
                "Http2.manyHeaderBlocksSplitAcrossReadsOnOneConnectionAreServed",
                "Undertow keeps the record of a stream whose HEADERS frame ended it and whose CONTINUATION frames came "
                        + "in later reads until the connection ends (it takes END_STREAM only from a frame that also ends "
                        + "the block, and its public API cannot end such a stream); the adapter ends the request, then "
                        + "sends GOAWAY after as many such streams as may be open at once, and closes at twice that");
    }
}
