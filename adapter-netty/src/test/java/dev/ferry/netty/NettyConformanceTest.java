package dev.ferry.netty;

import dev.ferry.testkit.ConformanceSuite;
import java.util.Map;

/** The whole conformance suite (semantics, hardening, shutdown) against Ferry on Netty. */
class NettyConformanceTest extends ConformanceSuite {

    @Override
    protected Map<String, String> knownGaps() {
        return Map.of("Http2.aRepeatedContentLengthIsRefused",
                "Netty's HTTP/2 decoder (DefaultHttp2ConnectionDecoder) folds Content-Length fields that carry one "
                        + "value (3 and 3, or \"3, 3\") into one field before any handler runs, as RFC 9110 (section 8.6) "
                        + "lets a recipient do; no public setting keeps them apart, so the engine sees one sound length");
    }
}
