package dev.ferry.testkit;

/** Runs the whole suite against the reference server of these tests, which meets the contract of HTTP/1.1. */
class ReferenceConformanceTest extends ConformanceSuite {

    /** The reference server speaks HTTP/1.1 only. */
    @Override
    protected boolean speaksHttp2() {
        return false;
    }
}
