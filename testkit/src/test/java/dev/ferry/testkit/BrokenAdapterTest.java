package dev.ferry.testkit;

import dev.ferry.spi.ServerProvider;
import dev.ferry.testkit.reference.ReferenceProvider;
import dev.ferry.testkit.reference.ReferenceServer.Flaw;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the whole suite against deliberately broken servers (the reference server with one defect
 * each) and checks that the suite fails, and in which tests. The findings are written to
 * {@code target/broken-adapters.txt}.
 */
class BrokenAdapterTest {

    private static final List<String> REPORT = new ArrayList<>();

    /** Drops all but the last value of a repeated response header. */
    static class DropsRepeatedHeaders extends ConformanceSuite {
        @Override
        protected ServerProvider provider() {
            return new ReferenceProvider(Flaw.DROPS_REPEATED_HEADERS);
        }

        @Override
        protected boolean speaksHttp2() {
            return false;
        }
    }

    /** Answers malformed framing with 400 but leaves the connection open and reads on. */
    static class KeepsOpenAfter400 extends ConformanceSuite {
        @Override
        protected ServerProvider provider() {
            return new ReferenceProvider(Flaw.KEEPS_OPEN_AFTER_400);
        }

        @Override
        protected boolean speaksHttp2() {
            return false;
        }
    }

    /** Never times out a client that is slow to send its headers. */
    static class NoHeaderTimeout extends ConformanceSuite {
        @Override
        protected ServerProvider provider() {
            return new ReferenceProvider(Flaw.NO_HEADER_TIMEOUT);
        }

        @Override
        protected boolean speaksHttp2() {
            return false;
        }
    }

    /** Runs one suite class and returns the {@code Tier.method} ids of the tests that failed. */
    static Set<String> failures(Class<? extends ConformanceSuite> suite) {
        Set<String> failed = new TreeSet<>();
        java.util.Map<String, String> why = new java.util.TreeMap<>();
        int[] passed = {0};
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(suite)).build();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                if (!test.isTest()) {
                    return;
                }
                if (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
                    passed[0]++;
                    return;
                }
                if (test.getSource().orElse(null) instanceof MethodSource method) {
                    String tier = method.getClassName().substring(method.getClassName().lastIndexOf('$') + 1);
                    failed.add(tier + "." + method.getMethodName());
                    why.put(tier + "." + method.getMethodName(), result.getThrowable().map(t -> String.valueOf(t.getMessage()))
                            .orElse("").lines().findFirst().orElse(""));
                }
            }
        });
        REPORT.add(suite.getSimpleName() + ": " + passed[0] + " passed, " + failed.size() + " failed:");
        why.forEach((id, message) -> REPORT.add("  " + id + " -- " + message));
        return failed;
    }

    @Test
    void droppedRepeatedHeadersAreCaught() {
        Set<String> failed = failures(DropsRepeatedHeaders.class);
        assertTrue(failed.containsAll(Set.of("Semantics.repeatedResponseHeadersStaySeparate", "Semantics.cookiesAreReadAndSet")),
                "caught by: " + failed);
        assertEquals(2, failed.size(), "only the header tests fail: " + failed);
    }

    @Test
    void connectionLeftOpenAfter400IsCaught() {
        Set<String> failed = failures(KeepsOpenAfter400.class);
        assertTrue(failed.containsAll(Set.of("Hardening.obsFoldIs400", "Hardening.contentLengthWithTransferEncodingIs400",
                "Hardening.missingHostIs400", "Hardening.errorResponseSaysConnectionClose",
                "Tls.malformedHeadOverTlsIs400AndClose")), "caught by: " + failed);
        assertTrue(failed.stream().allMatch(id -> id.startsWith("Hardening.") || id.equals("Tls.malformedHeadOverTlsIs400AndClose")),
                "only the tests of malformed heads fail: " + failed);
    }

    @Test
    void missingHeaderTimeoutIsCaught() {
        Set<String> failed = failures(NoHeaderTimeout.class);
        assertTrue(failed.containsAll(Set.of("Hardening.slowlorisIsClosedWhileOthersAreServed",
                "Hardening.incompleteHeadersGet408OrCloseAtTheDeadline", "Hardening.silentConnectionIsClosed")),
                "caught by: " + failed);
    }

    @AfterAll
    static void writeReport() throws IOException {
        Path target = Path.of("target");
        Files.createDirectories(target);
        Files.write(target.resolve("broken-adapters.txt"), REPORT);
    }
}
