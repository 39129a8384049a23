package dev.ferry.tomcat;

import dev.ferry.testkit.ConformanceSuite;

/** Runs the whole conformance suite (semantics, hardening, shutdown) against embedded Tomcat. */
class TomcatConformanceTest extends ConformanceSuite {
}
