package dev.ferry.netty;

import dev.ferry.testkit.ConformanceSuite;

/** The whole conformance suite (semantics, hardening, shutdown) against Ferry on Netty. */
class NettyConformanceTest extends ConformanceSuite {
}
