package dev.ferry.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testkit.RawClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The limits the dev server maps onto the JDK server's system properties: request header timeout,
 * idle timeout and max connections, checked in a JVM of their own with 1 s timeouts and 3 connections.
 * The limit's test runs last: the connections it closes itself may still count against the limit for a
 * moment, and a test after it would see its connection closed at once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TimeoutsTest {

    private static Process process;
    private static int port;

    @BeforeAll
    static void start() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), TimeoutsServer.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream()));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("port=")) {
            // skip anything else
        }
        port = Integer.parseInt(line.substring(5));
    }

    @AfterAll
    static void stop() throws Exception {
        process.getOutputStream().close();
        if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }


    @Test
    void aClientThatNeverFinishesItsHeadersIsDisconnected() throws IOException {
        try (RawClient slow = RawClient.connect(port)) {
            slow.send("GET / HTTP/1.1\r\nHost: t\r\n");
            long began = System.nanoTime();
            assertTrue(slow.closedSilentlyWithin(Duration.ofSeconds(5)), "closed by the request header timeout");
            long millis = (System.nanoTime() - began) / 1_000_000;
            assertTrue(millis >= 900 && millis < 4000, "closed after " + millis + " ms");
        }
    }

    @Test
    void idleKeepAliveConnectionsAreClosed() throws IOException {
        try (RawClient idle = RawClient.connect(port)) {
            assertEquals("ok", idle.get("/").text());
            long began = System.nanoTime();
            assertTrue(idle.closedSilentlyWithin(Duration.ofSeconds(5)));
            long millis = (System.nanoTime() - began) / 1_000_000;
            assertTrue(millis >= 900 && millis < 4000, "closed after " + millis + " ms");
        }
        try (RawClient silent = RawClient.connect(port)) {
            assertTrue(silent.closedSilentlyWithin(Duration.ofSeconds(5)), "a connection that never sends a byte is closed too");
        }
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void connectionsBeyondTheLimitAreRefusedWhileExistingOnesKeepWorking() throws IOException {
        try (RawClient a = RawClient.connect(port); RawClient b = RawClient.connect(port); RawClient c = RawClient.connect(port)) {
            assertEquals("ok", a.get("/").text());
            assertEquals("ok", b.get("/").text());
            assertEquals("ok", c.get("/").text());
            try (RawClient d = RawClient.connect(port)) {
                assertTrue(d.closedSilentlyWithin(Duration.ofSeconds(2)), "the fourth connection is closed at once");
            }
            assertEquals("ok", a.get("/").text());
            assertTrue(a.openAfter(Duration.ofMillis(200)), "the server keeps the connection open");
        }
    }
}
