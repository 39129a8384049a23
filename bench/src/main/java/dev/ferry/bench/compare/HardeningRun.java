package dev.ferry.bench.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs the testkit's hardening tier against one server through the JUnit Platform launcher, in a JVM
 * of its own, and writes the outcome as JSON: {@code HardeningRun SERVER OUTPUT.json}.
 */
public final class HardeningRun {

    private HardeningRun() {
    }

    /** Runs the tier for the server named by the first argument and writes the figures to the second. */
    public static void main(String[] args) throws Exception {
        System.setProperty("ferry.server", args[0]);
        long start = System.nanoTime();
        AtomicInteger passed = new AtomicInteger();
        AtomicInteger skipped = new AtomicInteger();
        List<String> failures = new ArrayList<>();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectUniqueId("[engine:junit-jupiter]/[class:"
                        + TargetConformance.class.getName() + "]/[nested-class:Hardening]"))
                .build();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier test, String reason) {
                if (test.isTest()) {
                    skipped.incrementAndGet();
                }
            }

            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                if (test.isTest()) {
                    switch (result.getStatus()) {
                        case SUCCESSFUL -> passed.incrementAndGet();
                        case ABORTED -> skipped.incrementAndGet();
                        case FAILED -> failures.add(test.getDisplayName().replace("()", "") + ": "
                                + result.getThrowable().map(HardeningRun::firstLine).orElse("failed"));
                    }
                } else if (result.getStatus() == TestExecutionResult.Status.FAILED) {
                    failures.add(test.getDisplayName() + " (container): "
                            + result.getThrowable().map(HardeningRun::firstLine).orElse("failed"));
                }
            }
        };
        LauncherFactory.create().execute(request, listener);
        Figures.Hardening figures = new Figures.Hardening(passed.get(), failures.size(), skipped.get(), failures,
                (System.nanoTime() - start) / 1e9);
        new ObjectMapper().writeValue(Path.of(args[1]).toFile(), figures);
        System.exit(0);
    }

    private static String firstLine(Throwable failure) {
        String message = String.valueOf(failure.getMessage());
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
