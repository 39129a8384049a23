package dev.ferry.testkit;

import dev.ferry.Handler;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.ServerProvider;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The conformance suite every Ferry server must pass. A server module runs all of it with one empty
 * subclass in its tests, such as {@code class UndertowConformanceTest extends ConformanceSuite {}}:
 * the server under test is the one {@link ServerProvider} on the class path, started on port 0 for each
 * tier with short deadlines so the suite takes seconds to a few minutes.
 *
 * <p>Four tiers run as nested test classes: {@link Semantics} (required of every server),
 * {@link Hardening} and {@link Shutdown} (required of production servers); {@link Errors} (errors
 * through filters and the access log), {@link Multipart} (form uploads), {@link Static} (static files)
 * and {@link WebFeatures} (CORS, compression and server-sent events), all required of every server;
 * {@link Tls} (HTTPS) and {@link Http2} (HTTP/2), required of production servers and reported skipped on the
 * dev server; {@link WebSockets}, on which the dev server answers 501.
 * A server that is known not to meet a test lists it in {@link #knownGaps()} with the reason; such a
 * test is reported as skipped with that reason when it fails, and fails when it passes, so the list
 * stays honest.
 */
@ExtendWith(KnownGaps.class)
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ConformanceSuite {

    private static final String BEGIN = "<!-- conformance-known-gaps:begin -->";
    private static final String END = "<!-- conformance-known-gaps:end -->";

    /** Creates the suite; subclasses are empty or override {@link #provider()} and {@link #knownGaps()}. */
    protected ConformanceSuite() {
    }

    /**
     * Returns the server under test: by default the one provider on the class path.
     *
     * @throws IllegalStateException naming what was found when there is not exactly one
     */
    protected ServerProvider provider() {
        List<ServerProvider> found = new ArrayList<>();
        ServiceLoader.load(ServerProvider.class).forEach(found::add);
        if (found.size() != 1) {
            throw new IllegalStateException("The conformance suite needs exactly one dev.ferry.spi.ServerProvider on the "
                    + "test class path, found " + found.size() + ": "
                    + found.stream().map(p -> p.name() + " (" + p.getClass().getName() + ")").collect(Collectors.joining(", "))
                    + ". Keep one server dependency in the module that runs it, or override provider().");
        }
        return found.get(0);
    }

    /**
     * Returns the tests this server is known to fail, as {@code Tier.method} (for example
     * {@code Hardening.obsFoldIs400}) or, for one invocation of a parameterized test,
     * {@code Tier.method[n]} with n counted from 1, mapped to the reason. Empty by default: production
     * servers list nothing.
     */
    protected Map<String, String> knownGaps() {
        return Map.of();
    }

    /**
     * Returns whether the server under test speaks HTTP/2, which the {@link Http2} tier and the {@link Tls} tier's ALPN
     * test then require: true for production servers. A server that speaks HTTP/1.1 only (the testkit's own reference
     * server) returns false: the {@code Http2} tier is then reported skipped, and ALPN must offer {@code http/1.1} alone.
     */
    protected boolean speaksHttp2() {
        return provider().production();
    }

    /** Starts the app on the server under test with these settings, on 127.0.0.1 and a free port. */
    protected Server start(Handler app, ServerConfig config) {
        return provider().start(app, config.toBuilder().host("127.0.0.1").port(0).build());
    }

    /** The behaviour every server must have, the dev server included. */
    @Nested
    @Order(1)
    class Semantics extends SemanticsTests {
        Semantics() {
            super(ConformanceSuite.this);
        }
    }

    /** Limits, timeouts and malformed input: required of production servers. */
    @Nested
    @Order(2)
    class Hardening extends HardeningTests {
        Hardening() {
            super(ConformanceSuite.this);
        }
    }

    /** Graceful and forced stop: required of production servers. */
    @Nested
    @Order(3)
    class Shutdown extends ShutdownTests {
        Shutdown() {
            super(ConformanceSuite.this);
        }
    }

    /** Errors through the app's filters, JSON errors and the access log: required of every server. */
    @Nested
    @Order(4)
    class Errors extends ErrorTests {
        Errors() {
            super(ConformanceSuite.this);
        }
    }

    /** {@code multipart/form-data} uploads: parts, limits, malformed bodies and temporary files. */
    @Nested
    @Order(5)
    class Multipart extends MultipartTests {
        Multipart() {
            super(ConformanceSuite.this);
        }
    }

    /** Static files from a directory: validators, ranges, precompressed siblings and the root as a wall. */
    @Nested
    @Order(6)
    class Static extends StaticFilesTests {
        Static() {
            super(ConformanceSuite.this);
        }
    }

    /** CORS, compression and server-sent events from core, on this server. */
    @Nested
    @Order(7)
    class WebFeatures extends WebFeaturesTests {
        WebFeatures() {
            super(ConformanceSuite.this);
        }
    }

    /** TLS on the server's port: required of production servers, skipped on the dev server (plain HTTP only). */
    @Nested
    @Order(8)
    class Tls extends TlsTests {
        Tls() {
            super(ConformanceSuite.this);
        }
    }

    /** WebSocket from core: the handshake, messages, limits and close codes, on this server. */
    @Nested
    @Order(9)
    class WebSockets extends WebSocketTests {
        WebSockets() {
            super(ConformanceSuite.this);
        }
    }

    /** HTTP/2: h2c with prior knowledge, h2 by ALPN, streams, limits, GOAWAY and floods; required of production servers. */
    @Nested
    @Order(10)
    class Http2 extends Http2Tests {
        Http2() {
            super(ConformanceSuite.this);
        }
    }

    /**
     * Writes the known gaps as a Markdown table to {@code target/conformance-known-gaps.md} and, when
     * the module's {@code README.md} holds a block between {@code <!-- conformance-known-gaps:begin -->}
     * and {@code <!-- conformance-known-gaps:end -->}, fails unless the block is that table: the run
     * has just shown that each listed gap fails and every other test passes, so the README says what
     * the runner shows.
     */
    @AfterAll
    void readmeListsTheKnownGapsThisRunShowed() throws IOException {
        String name = provider().name();
        Map<String, String> gaps = new TreeMap<>(knownGaps());
        StringBuilder table = new StringBuilder();
        if (gaps.isEmpty()) {
            table.append("The whole conformance suite passes on ").append(name).append(": no known gaps.\n");
        } else {
            table.append("Every test of the conformance suite passes on ").append(name)
                    .append(gaps.size() == 1 ? " but this one, shown to fail by the run"
                            : " but these " + gaps.size() + ", each shown to fail by the run")
                    .append(":\n\n| test | why it fails on ")
                    .append(name).append(" |\n|---|---|\n");
            gaps.forEach((test, reason) -> table.append("| `").append(test).append("` | ").append(reason).append(" |\n"));
        }
        Path target = Path.of("target");
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve("conformance-known-gaps.md"), table);
        }
        Path readme = Path.of("README.md");
        String text = Files.exists(readme) ? Files.readString(readme) : "";
        // the markers count only on lines of their own, not quoted in prose
        int begin = text.indexOf("\n" + BEGIN + "\n");
        int end = text.indexOf("\n" + END);
        begin = begin < 0 ? -1 : begin + 1;
        end = end < 0 ? -1 : end + 1;
        if (begin < 0 || end < begin) {
            return;
        }
        String written = text.substring(begin + BEGIN.length(), end).strip();
        if (!written.equals(table.toString().strip())) {
            fail("README.md's known-gaps block is not what this run showed; between " + BEGIN + " and " + END
                    + " it should read:\n\n" + table);
        }
    }

    /** Checks that every entry of {@link #knownGaps()} names a test of the suite. */
    @Test
    void knownGapsNameTests() {
        for (String id : knownGaps().keySet()) {
            String[] parts = id.replaceFirst("\\[\\d+]$", "").split("\\.", 2);
            Class<?> tier = null;
            for (Class<?> nested : ConformanceSuite.class.getDeclaredClasses()) {
                if (nested.isAnnotationPresent(Nested.class) && nested.getSimpleName().equals(parts[0])) {
                    tier = nested.getSuperclass();
                }
            }
            if (tier == null || parts.length < 2) {
                fail("knownGaps() entry '" + id + "' does not start with the name of a tier of the suite");
            }
            boolean exists = false;
            for (Method method : tier.getDeclaredMethods()) {
                exists |= method.getName().equals(parts[1]);
            }
            assertTrue(exists, "knownGaps() entry '" + id + "' names no test of " + tier.getSimpleName());
        }
    }
}
