package dev.ferry.testkit;

/** Runs the whole suite against the reference server of these tests, which meets the contract. */
class ReferenceConformanceTest extends ConformanceSuite {
}
