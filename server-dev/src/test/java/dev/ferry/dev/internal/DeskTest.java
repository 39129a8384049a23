package dev.ferry.dev.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.Handler;
import dev.ferry.HttpException;
import dev.ferry.Response;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.testkit.RawClient;
import dev.ferry.testkit.RawResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The desk features: request log, debug page (dev server only) and banner. */
class DeskTest {

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private Server server;

    private final Handler app = request -> switch (request.path()) {
        case "/boom" -> demo.Failing.fail();
        case "/missing" -> throw new HttpException(404, "Not Found");
        default -> Response.text("Hello, World!");
    };

    private Server start(boolean colour) {
        Console console = new Console(new PrintStream(printed, true, StandardCharsets.UTF_8), colour);
        server = JdkServer.start(app, ServerConfig.builder().port(0).build(), console, null);
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
    }

    private String log(int lines) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        String text;
        // whole lines only: the server prints a line after it has sent the response
        while ((text = printed.toString(StandardCharsets.UTF_8)).chars().filter(c -> c == '\n').count() < lines
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return text;
    }

    @Test
    void logsOneLinePerRequestWithoutColourOffATerminal() throws Exception {
        start(false);
        try (RawClient client = RawClient.connect(server.port())) {
            client.get("/hello?x=1");
            log(1); // a line is logged after its response is sent: the next request's line could come first
            client.get("/missing");
        }
        String[] lines = log(2).split("\\R");
        assertEquals(2, lines.length, String.join("\n", lines));
        assertTrue(Pattern.matches("GET /hello\\?x=1 200 13 B \\d+\\.\\d ms", lines[0]), lines[0]);
        assertTrue(Pattern.matches("GET /missing 404 9 B \\d+\\.\\d ms", lines[1]), lines[1]);
        assertFalse(lines[0].contains("\u001b["));
    }

    @Test
    void colourOnlyOnATerminal() throws Exception {
        start(true);
        try (RawClient client = RawClient.connect(server.port())) {
            client.get("/boom");
        }
        assertTrue(log(1).contains("\u001b[31m500\u001b[0m"), log(1));
    }

    @Test
    void debugPageAsHtmlShowsTheExceptionAppFramesAndTheRequest() throws IOException {
        start(false);
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse reply = client.send("GET /boom?name=Ann HTTP/1.1\r\nHost: t\r\nAccept: text/html,*/*\r\nX-Trace: 42\r\n\r\n").read();
            assertEquals(500, reply.status());
            assertEquals(Optional.of("text/html; charset=utf-8"), reply.header("Content-Type"));
            String page = reply.text();
            assertTrue(page.contains("java.lang.IllegalStateException"), page);
            assertTrue(page.contains("broken &lt;b&gt;app&lt;/b&gt;"), "escaped message");
            assertTrue(page.contains("<span class=\"frame app\">    at demo.Failing.fail("), "app frame highlighted");
            assertTrue(page.contains("<span class=\"frame\">    at dev.ferry.spi.ExchangeEngine"), "framework frame not highlighted");
            assertTrue(page.contains("<td>X-trace</td><td>42</td>") || page.contains("<td>X-Trace</td><td>42</td>"), page);
            assertTrue(page.contains("<td>name</td><td>Ann</td>"));
            assertTrue(page.contains("<td>path</td><td>/boom</td>"));
        }
    }

    @Test
    void debugPageIsPlainTextForClientsThatDoNotAcceptHtml() throws IOException {
        start(false);
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse reply = client.send("GET /boom?q=1 HTTP/1.1\r\nHost: t\r\nAccept: */*\r\n\r\n").read();
            assertEquals(500, reply.status());
            assertEquals(Optional.of("text/plain; charset=utf-8"), reply.header("Content-Type"));
            String text = reply.text();
            assertTrue(text.contains("java.lang.IllegalStateException: broken <b>app</b>"));
            assertTrue(text.contains(">>  at demo.Failing.fail("), text);
            assertTrue(text.contains("  GET /boom HTTP/1.1"), text);
            assertTrue(text.contains("q = 1"));
            assertTrue(text.contains("Host: t"));
        }
    }

    @Test
    void httpExceptionsAreNotDebugPages() throws IOException {
        start(false);
        try (RawClient client = RawClient.connect(server.port())) {
            RawResponse reply = client.send("GET /missing HTTP/1.1\r\nHost: t\r\nAccept: text/html\r\n\r\n").read();
            assertEquals(404, reply.status());
            assertEquals("Not Found", reply.text());
        }
    }

    @Test
    void productionServersKeepTheGenericErrorBecauseThePageIsAWrapperOfTheDevServer() throws Exception {
        Response response = dev.ferry.TestClient.of(app).send(dev.ferry.Request.builder().target("/boom")
                .headers(dev.ferry.Headers.of("Accept", "text/html")));
        assertEquals(500, response.status().code());
        assertEquals("Internal Server Error", response.body().text());
    }

    @Test
    void theDebugPageNeverLeavesTheMachine() throws Exception {
        dev.ferry.Request fromElsewhere = dev.ferry.Request.builder().target("/boom")
                .headers(dev.ferry.Headers.of("Accept", "text/html", "Cookie", "session=secret", "Authorization", "Bearer t0ken"))
                .remoteAddress(new java.net.InetSocketAddress(java.net.InetAddress.getByName("203.0.113.7"), 40000)).build();
        Response remote = dev.ferry.TestClient.of(DebugPage.wrap(app)).send(fromElsewhere);
        assertEquals(500, remote.status().code());
        assertEquals("Internal Server Error", remote.body().text(), "the generic 500 of every server");
        dev.ferry.Request local = dev.ferry.Request.builder().target("/boom")
                .headers(dev.ferry.Headers.of("Accept", "text/html", "Cookie", "session=secret"))
                .remoteAddress(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 40000)).build();
        assertTrue(dev.ferry.TestClient.of(DebugPage.wrap(app)).send(local).body().text().contains("session=secret"),
                "the page shows the request to its own developer");
    }

    @Test
    void bannerSaysDevelopmentOnlyAndNamesEveryAdapterDependency() {
        start(false);
        String banner = Banner.text(server, false, "off (test)");
        assertTrue(banner.contains("for development only, NOT for production"));
        for (String adapter : new String[] {"undertow", "netty", "tomcat"}) {
            assertTrue(banner.contains("<groupId>dev.ferry</groupId>\n        <artifactId>ferry-adapter-" + adapter + "</artifactId>"), banner);
        }
        assertTrue(banner.contains("<version>0.1.0-SNAPSHOT</version>"), banner);
        assertFalse(banner.contains("WARNING"));
    }

    @Test
    void warnsWhenListeningBeyondLoopback() {
        server = JdkServer.start(app, ServerConfig.builder().port(0).host("0.0.0.0").build(), null, null);
        assertEquals("0.0.0.0", server.host());
        assertTrue(Banner.text(server, true, "off").contains("WARNING: ferry.host makes the dev server listen on 0.0.0.0"));
    }
}
