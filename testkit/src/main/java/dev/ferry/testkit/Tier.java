package dev.ferry.testkit;

import dev.ferry.Handler;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the tiers share: one server per tier started on port 0 with the tier's settings, the app with
 * its counters, and helpers that send raw requests and assert on the connection.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
abstract class Tier {

    /** How long a server gets to close a connection it should close, beyond any deadline involved. */
    static final Duration CLOSE_SLACK = Duration.ofSeconds(3);
    /**
     * How long a server gets to close a connection it must close at once (after a 400, a 413, a
     * Connection: close): well under the idle timeout, so an idle close cannot pass for it.
     */
    static final Duration CLOSE_AT_ONCE = Duration.ofMillis(1500);

    final ConformanceSuite suite;
    final ConformanceApp app = new ConformanceApp();
    Server server;
    int port;

    Tier(ConformanceSuite suite) {
        this.suite = suite;
    }

    /** How long a client may take to send a request's headers, on every server the suite starts. */
    static final Duration HEADER_TIMEOUT = Duration.ofSeconds(1);
    /** How long a keep-alive connection may stay idle, on every server the suite starts. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(3);
    /** How long a request body may go without a byte, on every server the suite starts. */
    static final Duration BODY_TIMEOUT = Duration.ofSeconds(2);

    /**
     * Returns the deadlines every tier shares. They are the same for all tiers on purpose: a server
     * whose timeouts are process-wide (the JDK's) then runs every tier under the settings it asked for.
     */
    static ServerConfig.Builder base() {
        return ServerConfig.builder().requestHeaderTimeout(HEADER_TIMEOUT).idleTimeout(IDLE_TIMEOUT)
                .bodyReadTimeout(BODY_TIMEOUT)
                .shutdownGrace(Duration.ofSeconds(1));
    }

    /** Returns the app the tier's shared server runs: the conformance app unless a tier tests its own. */
    Handler handler() {
        return app.handler();
    }

    /** Returns the settings of the tier's shared server. */
    abstract ServerConfig config();

    /** Returns whether the tier's tests share one server; tiers that stop servers start their own. */
    boolean sharesServer() {
        return true;
    }

    @BeforeAll
    void startServer() {
        if (!sharesServer()) {
            return;
        }
        server = suite.start(handler(), config());
        port = server.port();
    }

    @AfterAll
    void stopServer() {
        app.releaseAll();
        if (server != null) {
            stopWithin(server, Duration.ofMillis(500));
        }
    }

    /**
     * Stops the server with this grace and fails if the stop has not returned a few seconds after it, so
     * a server whose stop hangs fails the suite instead of hanging the build.
     */
    static void stopWithin(Server server, Duration grace) {
        Thread stopper = Thread.ofVirtual().start(() -> server.stop(grace));
        Duration limit = grace.plus(CLOSE_SLACK).plusSeconds(2);
        try {
            if (!stopper.join(limit)) {
                throw new AssertionError(server.name() + ": stop(" + grace + ") has not returned after " + limit);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while stopping " + server.name(), e);
        }
    }

    @BeforeEach
    void resetApp() {
        app.reset();
    }

    @AfterEach
    void checkLint() {
        app.releaseAll();
        assertEquals(java.util.List.of(), app.violations(), "the app's responses broke the lint rules");
    }

    RawClient connect() throws IOException {
        return RawClient.connect(port);
    }

    /** Sends one request on a new connection and returns the final response. */
    RawResponse exchange(String request) throws IOException {
        try (RawClient client = connect()) {
            return client.send(request).readFinal();
        }
    }

    static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }

    static String request(String method, String target, String... headers) {
        StringBuilder text = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: localhost\r\n");
        for (String header : headers) {
            text.append(header).append("\r\n");
        }
        return text.append("\r\n").toString();
    }

    static String post(String target, String body) {
        return "POST " + target + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
                + body.getBytes(StandardCharsets.ISO_8859_1).length + "\r\n\r\n" + body;
    }

    static void assertClosed(RawClient client, String why) throws IOException {
        assertTrue(client.closedSilentlyWithin(CLOSE_AT_ONCE), "the server should close the connection " + why
                + (client.discarded().length > 0 ? "; it sent instead: "
                + new String(client.discarded(), StandardCharsets.ISO_8859_1) : ""));
        assertEquals(0, client.discarded().length, "the server sent more after it should have closed: "
                + new String(client.discarded(), StandardCharsets.ISO_8859_1));
    }

    /** Asserts the connection still works by sending another request on it. */
    static void assertReusable(RawClient client) throws IOException {
        RawResponse again = client.send(get("/hello")).read();
        assertEquals(200, again.status(), "a second request on the same connection");
        assertEquals(ConformanceApp.HELLO, again.text());
        assertFalse(again.saysClose(), "the connection should stay open: " + again.head());
    }

    /**
     * Asserts the reason phrase is Ferry's for the code ({@link dev.ferry.Status#reason()}), or empty:
     * RFC 9112 lets a server omit it (Tomcat always does) and clients ignore it, but a server that
     * sends one must not send a different one.
     */
    static void assertReason(int code, RawResponse response) {
        if (!response.reason().isEmpty()) {
            assertEquals(dev.ferry.Status.of(code).reason(), response.reason(), "reason phrase of " + code);
        }
    }

    static boolean await(java.util.function.BooleanSupplier condition, Duration limit) throws InterruptedException {
        return ConformanceApp.await(condition, limit.toMillis());
    }
}
