package dev.ferry.undertow;

import dev.ferry.testkit.ConformanceSuite;
import java.util.Map;

/** Runs the whole conformance suite (semantics, hardening, shutdown) against Ferry on Undertow. */
class UndertowConformanceTest extends ConformanceSuite {

    @Override
    protected Map<String, String> knownGaps() {
        return Map.of("Hardening.unknownMinorVersionIs505",
                "Undertow's parser reads any HTTP/1.x request line as HTTP/1.1 (getProtocol() is HTTP/1.1 for "
                        + "'HTTP/1.2'), so the engine never sees the version it refuses, and the core's HeadCheck, "
                        + "which sees the bytes, refuses only other major versions");
    }
}
