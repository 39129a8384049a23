package dev.ferry.bench.compare;

import dev.ferry.server.Ferry;
import dev.ferry.spi.ServerProvider;
import dev.ferry.testkit.ConformanceSuite;
import java.util.Optional;

/**
 * The testkit's conformance suite against the server named by {@code ferry.server}, chosen among all
 * servers on the class path, with no known gaps declared: every failure counts.
 */
public class TargetConformance extends ConformanceSuite {

    /** Creates the suite; JUnit instantiates it. */
    public TargetConformance() {
    }

    @Override
    protected ServerProvider provider() {
        return Ferry.select(Ferry.installed(), Optional.ofNullable(System.getProperty("ferry.server")));
    }
}
