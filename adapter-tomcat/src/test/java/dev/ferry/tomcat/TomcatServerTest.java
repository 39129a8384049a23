package dev.ferry.tomcat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.Body;
import dev.ferry.Handler;
import dev.ferry.Response;
import dev.ferry.routing.Router;
import dev.ferry.server.Ferry;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.Test;

class TomcatServerTest {

    private static final ServerConfig LOCAL = ServerConfig.builder().host("127.0.0.1").port(0)
            .shutdownGrace(Duration.ofSeconds(1)).build();

    private static Handler named(String name) {
        return Router.builder()
                .get("/info", r -> Response.text(name + " " + r.contextPath() + " " + r.path() + " " + r.rawQuery()))
                .get("/", r -> Response.text(name + " root " + r.contextPath()))
                .build();
    }

    private static String get(int port, String target) throws Exception {
        return Raw.exchange(port, "GET " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    }

    private static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    @Test
    void errorsTomcatAnswersItselfAreFerrysPlainText() throws Exception {
        try (TomcatServer server = TomcatServer.start(named("x"), LOCAL)) {
            for (String head : new String[] {
                "GET /a/../../x HTTP/1.1\r\nHost: t\r\n\r\n",
                "CONNECT t:80 HTTP/1.1\r\nHost: t:80\r\n\r\n",
                "GET http://a.test/info HTTP/1.1\r\nHost: b.test\r\n\r\n"}) {
                String response = Raw.exchange(server.port(), head);
                assertTrue(response.startsWith("HTTP/1.1 400 ") || response.startsWith("HTTP/1.1 501 "), head + " -> " + response);
                assertTrue(response.contains("\r\nContent-Type: text/plain; charset=utf-8\r\n"), response);
                assertTrue(body(response).equals("Bad Request") || body(response).equals("Not Implemented"), response);
            }
        }
    }

    @Test
    void servletUnderAPrefixMappingSeesItsOwnPath() throws Exception {
        Path base = Files.createTempDirectory("ferry-servlet-test");
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        tomcat.getConnector().setPort(0);
        Context context = tomcat.addContext("/ctx", null);
        Tomcat.addServlet(context, "ferry", new FerryServlet(named("api")));
        context.addServletMappingDecoded("/api/*", "ferry");
        tomcat.start();
        try {
            int port = tomcat.getConnector().getLocalPort();
            assertEquals("api /ctx/api /info x=%20", body(get(port, "/ctx/api/info?x=%20")));
            assertEquals("api root /ctx/api", body(get(port, "/ctx/api/")));
        } finally {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    @Test
    void responsesKeepTheAppsHeadersAndAddOnlyDate() throws Exception {
        try (TomcatServer server = TomcatServer.start(named("x"), LOCAL)) {
            String response = get(server.port(), "/info");
            assertTrue(response.contains("\r\nContent-Type: text/plain; charset=utf-8\r\n"), response);
            assertTrue(response.contains("\r\nDate: "), response);
            assertFalse(response.toLowerCase().contains("\r\nserver:"), response);
        }
    }

    @Test
    void filesAreSentWholeWithTheirLengthWithSendfileAndWithout() throws Exception {
        Path file = Files.createTempFile("ferry-file", ".bin");
        byte[] content = new byte[200_000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) ('a' + i % 26);
        }
        Files.write(file, content);
        try (TomcatServer server = TomcatServer.start(r -> Response.ok().withBody(Body.of(file)), LOCAL)) {
            // the first on a connection kept open goes out with sendfile, the second, closing it, is copied
            String response = Raw.exchange(server.port(), "GET /file HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /file HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            String text = new String(content, java.nio.charset.StandardCharsets.ISO_8859_1);
            int second = response.indexOf("HTTP/1.1 200 ", 1);
            assertTrue(second > 0, response.substring(0, Math.min(300, response.length())));
            assertEquals(text, body(response.substring(0, second)));
            assertEquals(text, body(response.substring(second)));
            assertTrue(response.substring(0, 300).contains("Content-Length: 200000"), response.substring(0, 300));
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void handlersRunOnTheWorkerPoolUnlessVirtualThreadsAreChosen() throws Exception {
        Handler thread = r -> Response.text(Thread.currentThread().isVirtual() ? "virtual" : "platform");
        for (var execution : dev.ferry.server.Execution.values()) {
            ServerConfig config = LOCAL.toBuilder().execution(execution).build();
            try (TomcatServer server = TomcatServer.start(thread, config)) {
                assertEquals(execution == dev.ferry.server.Execution.VIRTUAL_THREADS ? "virtual" : "platform",
                        body(get(server.port(), "/")), execution.toString());
            }
        }
        try (TomcatServer server = TomcatServer.start(thread, LOCAL)) {
            assertEquals("platform", body(get(server.port(), "/")), "the default");
        }
    }

    @Test
    void aHeadRefusedAfterTomcatHasItsStartGetsOnlyTheRefusal() throws Exception {
        try (TomcatServer server = TomcatServer.start(named("x"), LOCAL);
             java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(3000);
            java.io.OutputStream out = socket.getOutputStream();
            out.write("GET /info HTTP/1.1\r\nHost: t\r\nX-A: 1".getBytes());
            out.flush();
            Thread.sleep(200);
            out.write("\nX-B: 2\r\n\r\n".getBytes());
            out.flush();
            String response = Raw.readAll(socket.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 400 Bad Request\r\n"), response);
            assertTrue(response.contains("\r\nConnection: close\r\n"), response);
            assertEquals("Bad Request", body(response), "one response, then the close");
        }
    }

    @Test
    void ferryServeRunsOnTomcatWhenItIsTheOnlyAdapter() throws Exception {
        assertEquals("tomcat", Ferry.select(Ferry.installed(), java.util.Optional.empty()).name());
        try (Server server = Ferry.serve("probe", named("served"), LOCAL)) {
            assertEquals("tomcat", server.name());
            assertEquals("served root ", body(get(server.port(), "/")));
        }
    }

    @Test
    void aClientDrippingItsHeadersIsClosedAtTheHeaderDeadline() throws Exception {
        ServerConfig config = LOCAL.toBuilder().requestHeaderTimeout(Duration.ofSeconds(1)).build();
        try (TomcatServer server = TomcatServer.start(named("x"), config);
             java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            java.io.OutputStream out = socket.getOutputStream();
            out.write("GET /info HTTP/1.1\r\nHost: t\r\nX-Slow: ".getBytes());
            long start = System.nanoTime();
            boolean closed = false;
            while (!closed && System.nanoTime() - start < 4_000_000_000L) {
                try {
                    out.write('a');
                    out.flush();
                    Thread.sleep(100);
                } catch (java.io.IOException e) {
                    closed = true;
                }
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(closed, "still open after " + millis + " ms");
            assertTrue(millis >= 900, "closed early, after " + millis + " ms");
        }
    }

    @Test
    void http09RequestLineIs400() throws Exception {
        try (TomcatServer server = TomcatServer.start(named("x"), LOCAL)) {
            String response = Raw.exchange(server.port(), "GET /info\r\nHost: t\r\n\r\n");
            assertTrue(response.startsWith("HTTP/1.1 400 "), response);
        }
    }

    @Test
    void framingTomcatToleratesIsRefusedAs400() throws Exception {
        try (TomcatServer server = TomcatServer.start(named("x"), LOCAL)) {
            for (String head : new String[] {
                "GET /info HTTP/1.1\nHost: t\n\n",
                "GET /info HTTP/1.1\r\nHost: t\r\nX-A: 1\nX-B: 2\r\n\r\n",
                "GET /info HTTP/1.1\r\nHost: t\r\nX-Folded: a\r\n  b\r\n\r\n",
                "POST /info HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                "POST /info HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\ncontent-length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n"}) {
                String response = Raw.exchange(server.port(), head);
                assertTrue(response.startsWith("HTTP/1.1 400 "), head + " -> " + response);
                assertTrue(response.contains("Connection: close"), response);
            }
            assertTrue(get(server.port(), "/info").startsWith("HTTP/1.1 200 "));
        }
    }

    @Test
    void aStreamingResponseEndsWhenTheClientResets() throws Exception {
        java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
        Handler endless = r -> Response.ok().withBody(Body.streamed(out -> {
            running.incrementAndGet();
            try {
                byte[] block = new byte[8192];
                for (int i = 0; i < 64 * 128; i++) {
                    out.write(block);
                }
            } finally {
                running.decrementAndGet();
            }
        }));
        try (TomcatServer server = TomcatServer.start(endless, LOCAL)) {
            for (int i = 0; i < 5; i++) {
                java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port());
                socket.getOutputStream().write("GET /endless HTTP/1.1\r\nHost: t\r\n\r\n".getBytes());
                socket.setSoLinger(true, 0);
                socket.close();
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (running.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, running.get(), "writers still running after their clients reset");
        }
    }
}
