package dev.ferry.undertow;

import dev.ferry.testkit.ConformanceSuite;

/** Runs the whole conformance suite (semantics, hardening, shutdown) against Ferry on Undertow. */
class UndertowConformanceTest extends ConformanceSuite {
}
