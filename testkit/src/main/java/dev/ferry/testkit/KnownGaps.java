package dev.ferry.testkit;

import java.lang.reflect.Method;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * Turns a failure of a test listed in {@link ConformanceSuite#knownGaps()} into a skipped test that
 * shows the reason, and a pass of a listed test into a failure, so the list never hides a fix.
 */
final class KnownGaps implements InvocationInterceptor {

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                    ExtensionContext context) throws Throwable {
        intercept(invocation, context);
    }

    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation,
                                            ReflectiveInvocationContext<Method> invocationContext,
                                            ExtensionContext context) throws Throwable {
        intercept(invocation, context);
    }

    private static void intercept(Invocation<Void> invocation, ExtensionContext context) throws Throwable {
        String id = id(context);
        Map<String, String> gaps = suite(context).knownGaps();
        String reason = gaps.get(id);
        java.util.regex.Matcher index = java.util.regex.Pattern.compile("test-template-invocation:#(\\d+)\\]$")
                .matcher(context.getUniqueId());
        if (reason == null && index.find()) {
            id = id + "[" + index.group(1) + "]";
            reason = gaps.get(id);
        }
        if (reason == null) {
            invocation.proceed();
            return;
        }
        try {
            invocation.proceed();
        } catch (Throwable failure) {
            TestAbortedException skipped = new TestAbortedException("known gap of this server: " + reason
                    + " [fails with: " + failure + "]");
            skipped.addSuppressed(failure);
            throw skipped;
        }
        throw new AssertionFailedError(id + " is listed in knownGaps() (\"" + reason
                + "\") but passes: remove it from the list");
    }

    /** Returns {@code Tier.method}, such as {@code Hardening.obsFoldIs400}. */
    static String id(ExtensionContext context) {
        return tier(context.getRequiredTestClass()) + "." + context.getRequiredTestMethod().getName();
    }

    private static String tier(Class<?> testClass) {
        for (Class<?> c = testClass; c != null; c = c.getSuperclass()) {
            if (c == SemanticsTests.class) {
                return "Semantics";
            }
            if (c == HardeningTests.class) {
                return "Hardening";
            }
            if (c == ShutdownTests.class) {
                return "Shutdown";
            }
        }
        return testClass.getSimpleName();
    }

    private static ConformanceSuite suite(ExtensionContext context) {
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            if (instance instanceof ConformanceSuite suite) {
                return suite;
            }
        }
        throw new IllegalStateException("no ConformanceSuite instance around " + context.getUniqueId());
    }

    /** Returns the known gaps map of the suite around this test, for tiers that adapt to it. */
    static Map<String, String> of(ExtensionContext context) {
        return suite(context).knownGaps();
    }
}
