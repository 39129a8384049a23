package dev.ferry.testkit;

import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Graceful and forced stop, required of production servers: requests in flight finish within the
 * grace period, new ones are refused or answered 503 with {@code Connection: close}, and a handler
 * that hangs is cut off at the deadline. Each test starts and stops its own server.
 */
abstract class ShutdownTests extends Tier {

    static final int IN_FLIGHT = 100;

    private final List<Server> started = new ArrayList<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    ShutdownTests(ConformanceSuite suite) {
        super(suite);
    }

    @Override
    ServerConfig config() {
        return base().shutdownGrace(Duration.ofSeconds(2)).build();
    }

    @Override
    boolean sharesServer() {
        return false;
    }

    Server startOwn(ServerConfig config) {
        Server own = suite.start(app.handler(), config);
        started.add(own);
        port = own.port();
        return own;
    }

    @AfterEach
    void stopOwn() {
        app.releaseAll();
        List<Server> stopping = List.copyOf(started);
        started.clear();
        for (Server own : stopping) {
            stopWithin(own, Duration.ZERO);
        }
    }

    /** Sends GET /hold/id on its own connection and returns the response's body, or the failure. */
    private Future<String> held(String id) {
        return threads.submit(() -> {
            try (RawClient client = RawClient.connect(port)) {
                client.timeout(Duration.ofSeconds(30));
                RawResponse response = client.send(get("/hold/" + id)).read();
                return response.status() + " " + response.text();
            }
        });
    }

    private Future<?> stopLater(Server own, Duration grace) {
        return threads.submit(() -> own.stop(grace));
    }

    /**
     * Sends a new request and returns whether it was refused: connection refused, closed without an
     * answer, or answered 503 with {@code Connection: close} and closed. A 200 means the stop has not
     * begun yet; anything else fails.
     */
    private boolean refused() throws IOException {
        RawClient client;
        try {
            client = RawClient.connect(port);
        } catch (SocketException e) {
            return true;
        }
        try (client) {
            client.send(get("/hello"));
            RawResponse response;
            try {
                response = client.read();
            } catch (java.io.EOFException | SocketException e) {
                return true;
            }
            if (response.status() == 200) {
                return false;
            }
            assertEquals(503, response.status(), "a request arriving during the grace period: " + response.head());
            assertTrue(response.saysClose(), "a 503 during shutdown says Connection: close: " + response.head());
            assertClosed(client, "after the 503 during shutdown");
            return true;
        } catch (SocketException e) {
            return true;
        }
    }

    /** Waits until the stop has begun, as seen from a new client; fails if it never does. */
    private void awaitRefusal() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!refused()) {
            if (System.nanoTime() - deadline > 0) {
                fail("new requests are still served 5 s after the stop began");
            }
            Thread.sleep(20);
        }
    }

    /** Asserts that once the stop has begun, new requests are refused and never reach the app. */
    private void assertNewRequestsRefused() throws IOException, InterruptedException {
        awaitRefusal();
        int reached = app.invocations();
        for (int i = 0; i < 3; i++) {
            assertTrue(refused(), "every new request is refused once the stop has begun");
        }
        assertEquals(reached, app.invocations(), "no request that arrived during the stop reached the app");
    }

    /** Sends GET /hello on a new connection during the grace period and returns the answer; a refused connection fails. */
    private RawResponse newConnectionRequest() throws IOException {
        try (RawClient client = RawClient.connect(port)) {
            RawResponse response = client.send(get("/hello?during-grace")).read();
            if (response.status() != 200) {
                assertEquals(503, response.status(), "a new connection during the grace period: " + response.head());
                assertTrue(response.saysClose(), "the 503 says Connection: close: " + response.head());
                assertClosed(client, "after the 503 during the grace period");
            }
            return response;
        } catch (ConnectException e) {
            throw new AssertionError("a new connection during the grace period was refused; the listener stays open "
                    + "until the requests in flight are done, so that it gets 503", e);
        }
    }

    @Test
    void aNewConnectionDuringTheGracePeriodGets503AndClose() throws Exception {
        Server own = startOwn(config());
        Future<String> inFlight = held("grace");
        assertTrue(ConformanceApp.await(() -> app.waiting().contains("grace"), 5000), "the held request started");
        Future<?> stopping = stopLater(own, Duration.ofSeconds(5));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (newConnectionRequest().status() == 200) {
            if (System.nanoTime() - deadline > 0) {
                fail("new connections are still served 5 s after the stop began");
            }
            Thread.sleep(20);
        }
        int reached = app.invocations("during-grace");
        for (int i = 0; i < 3; i++) {
            assertEquals(503, newConnectionRequest().status());
        }
        assertEquals(reached, app.invocations("during-grace"), "no request on a new connection reached the app once the stop began");
        app.releaseHeld();
        assertEquals("200 done grace", inFlight.get(10, TimeUnit.SECONDS));
        stopping.get(10, TimeUnit.SECONDS);
    }

    @Test
    void inFlightRequestsCompleteWithinTheGracePeriod() throws Exception {
        Server own = startOwn(config());
        List<Future<String>> responses = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < IN_FLIGHT; i++) {
            ids.add("r" + i);
            responses.add(held("r" + i));
        }
        assertTrue(await(() -> app.waiting().containsAll(ids), Duration.ofSeconds(20)),
                "all requests in flight before the stop: " + app.waiting());
        long start = System.nanoTime();
        Future<?> stopping = stopLater(own, Duration.ofSeconds(20));
        assertNewRequestsRefused();
        assertTrue(app.waiting().containsAll(ids), "the stop waits for requests in flight: " + app.waiting());
        app.releaseHeld();
        Set<String> answered = new HashSet<>();
        for (int i = 0; i < IN_FLIGHT; i++) {
            String response = responses.get(i).get(20, TimeUnit.SECONDS);
            assertEquals("200 done r" + i, response);
            answered.add("r" + i);
        }
        assertEquals(IN_FLIGHT, answered.size());
        assertEquals(answered, app.completed(), "every request in flight completed, counted by id");
        stopping.get(15, TimeUnit.SECONDS);
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(took < 15_000, "the stop returns once the last request is done, not at the deadline: " + took + " ms");
    }

    @Test
    void newRequestsDuringTheGracePeriodAreRefused() throws Exception {
        Server own = startOwn(config());
        Future<String> inFlight = held("one");
        assertTrue(await(() -> app.waiting().contains("one"), Duration.ofSeconds(10)));
        Future<?> stopping = stopLater(own, Duration.ofSeconds(10));
        assertNewRequestsRefused();
        app.releaseHeld();
        assertEquals("200 done one", inFlight.get(10, TimeUnit.SECONDS));
        stopping.get(10, TimeUnit.SECONDS);
    }

    @Test
    void keepAliveRequestDuringTheGracePeriodIsRefused() throws Exception {
        Server own = startOwn(config());
        try (RawClient idle = connect()) {
            assertEquals(200, idle.send(get("/hello")).read().status());
            Future<String> inFlight = held("one");
            assertTrue(await(() -> app.waiting().contains("one"), Duration.ofSeconds(10)));
            Future<?> stopping = stopLater(own, Duration.ofSeconds(10));
            awaitRefusal();
            try {
                idle.send(get("/hello"));
                RawResponse response = idle.read();
                assertEquals(503, response.status(), response.head());
                assertTrue(response.saysClose(), response.head());
            } catch (java.io.EOFException | SocketException e) {
                // closed as idle at the start of the stop: also a refusal
            }
            app.releaseHeld();
            assertEquals("200 done one", inFlight.get(10, TimeUnit.SECONDS));
            stopping.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void hangingHandlerIsCutOffAtTheDeadline() throws Exception {
        Server own = startOwn(config());
        try (RawClient client = connect()) {
            client.send(get("/hang"));
            assertTrue(await(() -> app.waiting().contains("hang"), Duration.ofSeconds(10)));
            Duration grace = Duration.ofSeconds(1);
            long start = System.nanoTime();
            Future<?> stopping = stopLater(own, grace);
            stopping.get(grace.plus(CLOSE_SLACK).toMillis(), TimeUnit.MILLISECONDS);
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(took >= grace.toMillis() - 100, "the stop waited for the grace period: " + took + " ms");
            assertTrue(client.closedWithin(CLOSE_AT_ONCE), "the hanging request's connection is closed at the deadline");
        }
    }

    @Test
    void closeUsesTheConfiguredGracePeriod() throws Exception {
        Server own = startOwn(config().toBuilder().shutdownGrace(Duration.ofSeconds(1)).build());
        try (RawClient client = connect()) {
            client.send(get("/hang"));
            assertTrue(await(() -> app.waiting().contains("hang"), Duration.ofSeconds(10)));
            long start = System.nanoTime();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(own::close);
            closing.get(1000 + CLOSE_SLACK.toMillis(), TimeUnit.MILLISECONDS);
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(took >= 900, "close() waited for the configured grace: " + took + " ms");
            assertTrue(client.closedWithin(CLOSE_AT_ONCE));
        }
    }

    @Test
    void stopWithNothingInFlightIsImmediate() throws Exception {
        Server own = startOwn(config());
        assertEquals(200, exchange(get("/hello")).status());
        long start = System.nanoTime();
        stopLater(own, Duration.ofSeconds(20)).get(5, TimeUnit.SECONDS);
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(took < 3000, "an idle server stops at once, whatever the grace: " + took + " ms");
    }

    @Test
    void idleConnectionsAreClosedByTheStop() throws Exception {
        Server own = startOwn(config());
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                RawClient client = connect();
                clients.add(client);
                assertEquals(200, client.send(get("/hello")).read().status());
            }
            stopLater(own, Duration.ofSeconds(20)).get(5, TimeUnit.SECONDS);
            for (RawClient client : clients) {
                assertTrue(client.closedWithin(CLOSE_AT_ONCE), "idle keep-alive connections are closed by the stop");
            }
        } finally {
            for (RawClient client : clients) {
                client.close();
            }
        }
    }

    @Test
    void portIsReleasedAfterTheStop() throws Exception {
        Server own = startOwn(config());
        int used = own.port();
        stopWithin(own, Duration.ofSeconds(1));
        try (RawClient client = RawClient.connect(used)) {
            client.send(get("/hello"));
            try {
                RawResponse response = client.read();
                fail("a stopped server answered: " + response.head());
            } catch (java.io.EOFException | SocketException e) {
                // accepted by the kernel and dropped: nobody serves it
            }
        } catch (ConnectException e) {
            // refused: the port is free
        }
    }

    @Test
    void streamingResponseInFlightCompletes() throws Exception {
        Server own = startOwn(config());
        try (RawClient client = connect()) {
            client.send(get("/flush/s1"));
            RawResponse head = client.readHeaders();
            assertEquals(200, head.status());
            assertEquals("first\n", new String(client.readChunk()));
            Future<?> stopping = stopLater(own, Duration.ofSeconds(10));
            awaitRefusal();
            app.release("s1");
            assertEquals("second\n", new String(client.readChunk()));
            assertEquals(0, client.readChunk().length);
            stopping.get(10, TimeUnit.SECONDS);
            assertTrue(app.completed().contains("s1"));
        }
    }
}
