package dev.ferry.tomcat;

import dev.ferry.testkit.ConformanceSuite;
import java.util.Map;

/** Runs the whole conformance suite (semantics, hardening, shutdown) against embedded Tomcat. */
class TomcatConformanceTest extends ConformanceSuite {

    @Override
    protected Map<String, String> knownGaps() {
        return Map.of("Semantics.anAbsoluteFormTargetNamesTheHostTheAppSees",
                "Tomcat 11 answers 400 and closes when an absolute-form target's authority differs from Host "
                        + "(Http11Processor.prepareRequest, hard-coded since allowHostHeaderMismatch was removed), "
                        + "before any valve or servlet runs; RFC 9112 section 3.2.2 says to use the target's authority");
    }
}
