package dev.ferry.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.Body;
import dev.ferry.Handler;
import dev.ferry.Response;
import dev.ferry.routing.Router;
import dev.ferry.server.Execution;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.server.Tls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTP/2 on the Netty adapter, frame by frame: h2c with prior knowledge, h2 by ALPN, limits, resets and the stop. */
class NettyHttp2Test {

    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch started = new CountDownLatch(1);
    private final java.util.concurrent.atomic.AtomicInteger hellos = new java.util.concurrent.atomic.AtomicInteger();
    private Server server;

    @TempDir
    Path dir;

    private Handler app() {
        return Router.builder()
                .get("/hello", request -> hellos.incrementAndGet() < 0 ? null : Response.text(request.version() + " " + request.headers().first("Host").orElse("-")
                        + " " + request.scheme()))
                .post("/echo", request -> Response.ok().withContentType("application/octet-stream")
                        .withBody(Body.of(request.body().stream(), request.body().length())))
                .post("/count", request -> {
                    started.countDown();
                    release.await(10, TimeUnit.SECONDS);
                    try (InputStream in = request.body().stream()) {
                        return Response.text(Long.toString(in.transferTo(OutputStream.nullOutputStream())));
                    }
                })
                .get("/stream", request -> Response.ok().withBody(Body.streamed(out -> {
                    out.write("a".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    await(release);
                    out.write("b".getBytes(StandardCharsets.US_ASCII));
                })))
                .get("/broken", request -> Response.ok().withBody(Body.streamed(out -> {
                    out.write("part".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    throw new IllegalStateException("the body fails after it started");
                })))
                .get("/slow", request -> {
                    started.countDown();
                    release.await(10, TimeUnit.SECONDS);
                    return Response.text("slow done");
                })
                .get("/file", request -> Response.ok().withBody(Body.of(dir.resolve("big.bin"))))
                .get("/thread", request -> Response.text(Thread.currentThread().isVirtual() ? "virtual" : "io"))
                .build();
    }

    private static void await(CountDownLatch latch) throws IOException {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
    }

    private int start(ServerConfig.Builder config) {
        server = new NettyServerProvider().start(app(), config.host("127.0.0.1").port(0).build());
        return server.port();
    }

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            server.stop(Duration.ofSeconds(1));
        }
    }

    @Test
    void servesARequestOnAStreamWithAuthorityAsHost() throws IOException {
        try (H2Client client = new H2Client(start(ServerConfig.builder()))) {
            H2Client.Stream stream = client.await(client.request("GET", "/hello", true));
            assertEquals("200", stream.status());
            assertEquals("HTTP/2.0 test http", stream.text());
            assertEquals(String.valueOf(stream.text().length()), String.valueOf(stream.head().get("content-length")));
            assertTrue(stream.head().contains("date"));
            assertNull(stream.head().get("connection"));
            assertNull(stream.head().get("transfer-encoding"));
        }
    }

    @Test
    void settingsCarryTheLimitsAndALargerHeaderListIs431() throws IOException {
        try (H2Client client = new H2Client(start(ServerConfig.builder().http2MaxStreams(7).maxHeaderBytes(4096)))) {
            int big = client.request("GET", "/hello", true, "x-big", "v".repeat(4400));
            H2Client.Stream refused = client.await(big);
            assertEquals(7L, client.settings.get(3)); // SETTINGS_MAX_CONCURRENT_STREAMS
            assertEquals(4096L, client.settings.get(6)); // SETTINGS_MAX_HEADER_LIST_SIZE
            assertEquals("431", refused.status());
            assertEquals("200", client.await(client.request("GET", "/hello", true)).status()); // the connection goes on
        }
    }

    @Test
    void aHeaderListFarOverTheLimitIsGoAway() throws IOException {
        try (H2Client client = new H2Client(start(ServerConfig.builder().maxHeaderBytes(4096)))) {
            H2Client.Stream refused = client.await(client.request("GET", "/hello", true, "x-big", "v".repeat(6000)));
            client.readUntil(() -> false);
            assertTrue(refused.heads.isEmpty());
            assertEquals(1L, client.goAwayCode, "GOAWAY(PROTOCOL_ERROR)");
            assertTrue(client.eof);
        }
        assertEquals(0, hellos.get());
    }

    @Test
    void streamsBeyondTheLimitAreRefused() throws IOException {
        try (H2Client client = new H2Client(start(ServerConfig.builder().http2MaxStreams(2)))) {
            int first = client.request("GET", "/slow", true);
            int second = client.request("GET", "/slow", true);
            await(started);
            H2Client.Stream third = client.await(client.request("GET", "/hello", true));
            assertEquals(7L, third.reset, "RST_STREAM(REFUSED_STREAM)");
            release.countDown();
            assertEquals("slow done", client.await(first).text());
            assertEquals("slow done", client.await(second).text());
            assertEquals("200", client.await(client.request("GET", "/hello", true)).status());
        }
    }

    @Test
    void aBodyWithoutLengthIsReadToTheEndOfTheStream() throws IOException {
        try (H2Client client = new H2Client(start(ServerConfig.builder()))) {
            int id = client.request("POST", "/echo", false);
            client.data(id, "one,".getBytes(StandardCharsets.US_ASCII), false);
            client.data(id, "two,".getBytes(StandardCharsets.US_ASCII), false);
            client.data(id, "three".getBytes(StandardCharsets.US_ASCII), true);
            H2Client.Stream stream = client.await(id);
            assertEquals("200", stream.status());
            assertEquals("one,two,three", stream.text());
        }
    }

    @Test
    void aFlushSendsADataFrameAtOnce() throws IOException {
        try (H2Client client = new H2Client(start(ServerConfig.builder()))) {
            int id = client.request("GET", "/stream", true);
            client.readUntil(() -> client.stream(id).dataFrames > 0);
            assertEquals("a", client.stream(id).text());
            assertFalse(client.stream(id).ended);
            release.countDown();
            H2Client.Stream stream = client.await(id);
            assertEquals("ab", stream.text());
            assertNull(stream.head().get("content-length"));
        }
    }

    @Test
    void aBodyThatFailsAfterItStartedResetsItsStreamOnly() throws IOException {
        try (H2Client client = new H2Client(start(ServerConfig.builder()))) {
            H2Client.Stream broken = client.await(client.request("GET", "/broken", true));
            assertTrue(broken.reset >= 0, "RST_STREAM");
            assertFalse(broken.ended);
            assertEquals("200", client.await(client.request("GET", "/hello", true)).status());
        }
    }

    @Test
    void expectContinueGetsA100HeadBeforeTheBody() throws IOException {
        try (H2Client client = new H2Client(start(ServerConfig.builder()))) {
            release.countDown();
            int id = client.request("POST", "/count", false, "content-length", "5", "expect", "100-continue");
            client.readUntil(() -> !client.stream(id).heads.isEmpty());
            assertEquals("100", client.stream(id).status());
            client.data(id, "12345".getBytes(StandardCharsets.US_ASCII), true);
            H2Client.Stream stream = client.await(id);
            assertEquals("200", stream.status());
            assertEquals("5", stream.text());
        }
    }

    @Test
    void anUnreadBodyIsNotTakenBeyondABound() throws IOException {
        try (H2Client client = new H2Client(start(ServerConfig.builder()))) {
            int id = client.request("POST", "/count", false);
            await(started);
            int total = 1024 * 1024;
            int sent = sendWithinWindow(client, id, total, 0);
            assertTrue(sent < 256 * 1024, "the server took " + sent + " bytes the app did not read");
            release.countDown();
            sendWithinWindow(client, id, total, sent);
            H2Client.Stream stream = client.await(id);
            assertEquals("200", stream.status());
            assertEquals(String.valueOf(total), stream.text());
        }
    }

    /** Sends DATA as far as the stream's and the connection's windows allow; returns the bytes sent when the server stops granting more. */
    private static int sendWithinWindow(H2Client client, int id, int total, int sent) throws IOException {
        client.timeout(1000);
        while (sent < total) {
            long window = Math.min(65535 + client.stream(id).windowGranted, 65535 + client.stream(0).windowGranted) - sent;
            if (window <= 0) {
                try {
                    client.read();
                } catch (SocketTimeoutException e) {
                    return sent; // nothing more granted
                }
                continue;
            }
            int n = (int) Math.min(Math.min(16384, window), total - sent);
            sent += n;
            client.data(id, new byte[n], sent == total);
        }
        client.timeout(10_000);
        return sent;
    }

    @Test
    void aStalledBodyTimesOutWith408() throws IOException {
        try (H2Client client = new H2Client(start(ServerConfig.builder().bodyReadTimeout(Duration.ofMillis(300))))) {
            release.countDown();
            int id = client.request("POST", "/count", false, "content-length", "100");
            client.data(id, new byte[10], false);
            H2Client.Stream stream = client.await(id);
            assertEquals("408", stream.status());
        }
    }

    @Test
    void aFloodOfResetStreamsGetsGoAwayAndOthersAreStillServed() throws IOException {
        int port = start(ServerConfig.builder());
        try (H2Client flood = new H2Client(port)) {
            for (int i = 0; i < 1000 && !flood.eof; i++) {
                int id = flood.request("GET", "/hello", true);
                flood.rst(id, 8);
            }
            flood.readUntil(() -> false);
            assertEquals(11L, flood.goAwayCode, flood.goAways + " GOAWAY frames"); // ENHANCE_YOUR_CALM
        } catch (java.net.SocketException reset) {
            // the server closed while the flood was still being written: that is the point
        }
        try (H2Client client = new H2Client(port)) {
            assertEquals("200", client.await(client.request("GET", "/hello", true)).status());
        }
    }

    @Test
    void stopSendsGoAwayAndLetsTheStreamInFlightFinish() throws Exception {
        int port = start(ServerConfig.builder());
        try (H2Client client = new H2Client(port)) {
            int id = client.request("GET", "/slow", true);
            await(started);
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> server.stop(Duration.ofSeconds(5)));
            client.readUntil(() -> client.goAwayLastStream >= 0);
            assertEquals(id, client.goAwayLastStream);
            assertEquals(0L, client.goAwayCode);
            release.countDown();
            H2Client.Stream stream = client.await(id);
            assertEquals("200", stream.status());
            assertEquals("slow done", stream.text());
            client.readUntil(() -> false);
            assertTrue(client.eof);
            stopped.get(10, TimeUnit.SECONDS);
            server = null;
        }
    }

    @Test
    void anIdleConnectionWithoutStreamsGetsGoAwayAndIsClosed() throws IOException {
        try (H2Client client = new H2Client(start(ServerConfig.builder().idleTimeout(Duration.ofMillis(500))))) {
            assertEquals("200", client.await(client.request("GET", "/hello", true)).status());
            long before = System.nanoTime();
            client.readUntil(() -> false);
            assertTrue(client.eof);
            assertEquals(0L, client.goAwayCode);
            assertTrue(System.nanoTime() - before > TimeUnit.MILLISECONDS.toNanos(300));
        }
    }

    @Test
    void malformedFieldsAreRefusedBeforeTheApp() throws IOException {
        int port = start(ServerConfig.builder());
        for (String[] field : new String[][] {{"X-Upper", "1"}, {":unknown", "1"}, {"connection", "close"}, {"te", "gzip"}}) {
            try (H2Client client = new H2Client(port)) {
                H2Client.Stream stream = client.await(client.request("GET", "/hello", true, field));
                assertTrue(stream.heads.isEmpty(), field[0]);
                assertEquals(1L, stream.reset, field[0] + ": RST_STREAM(PROTOCOL_ERROR)");
                assertEquals("200", client.await(client.request("GET", "/hello", true)).status(), "the connection goes on");
                assertEquals(-1L, client.goAwayCode);
            }
        }
        assertEquals(4, hellos.get(), "only the sound requests reach the app");
    }

    @Test
    void aFileGoesOutWholeAndAClientThatTakesNothingIsClosedAtTheIdleTimeout() throws Exception {
        byte[] block = new byte[1024 * 1024];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (i * 31);
        }
        try (OutputStream out = java.nio.file.Files.newOutputStream(dir.resolve("big.bin"))) {
            for (int i = 0; i < 32; i++) {
                out.write(block);
            }
        }
        int port = start(ServerConfig.builder().idleTimeout(Duration.ofMillis(500)));
        try (H2Client client = new H2Client(port)) {
            H2Client.Stream whole = client.await(client.request("GET", "/file", true));
            assertEquals(String.valueOf(32 * block.length), String.valueOf(whole.head().get("content-length")));
            assertEquals(32 * block.length, whole.body.size());
            assertTrue(java.util.Arrays.equals(block, java.util.Arrays.copyOfRange(whole.body.toByteArray(), 0, block.length)));
        }
        try (H2Client client = new H2Client(port)) {
            int id = client.request("GET", "/file", true);
            Thread.sleep(3000); // nothing read: the server's writes stall, and the connection is idle
            client.readUntil(() -> false);
            assertTrue(client.eof);
            assertTrue(client.stream(id).body.size() < 32 * block.length, "closed before the whole file went out");
        }
    }

    @Test
    void withHttp2OffThePrefaceIs505() throws IOException {
        int port = start(ServerConfig.builder().http2(false));
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(answer.startsWith("HTTP/1.1 505 "), answer);
        }
    }

    @Test
    void onTheIoThreadARequestWithoutBodyIsServedInline() throws IOException {
        try (H2Client client = new H2Client(start(ServerConfig.builder().execution(Execution.IO_THREAD)))) {
            assertEquals("io", client.await(client.request("GET", "/thread", true)).text());
            int id = client.request("GET", "/stream", true); // streamed on a virtual thread the engine offloads to
            client.readUntil(() -> client.stream(id).dataFrames > 0);
            release.countDown();
            assertEquals("ab", client.await(id).text());
        }
    }

    @Test
    void h2IsNegotiatedByAlpnOverTls() throws Exception {
        Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "secret",
                "-alias", "server", "-keyalg", "EC", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost", "-validity", "2")
                .redirectErrorStream(true).start();
        keytool.getInputStream().transferTo(OutputStream.nullOutputStream());
        assertEquals(0, keytool.waitFor());
        int port = start(ServerConfig.builder().tls(Tls.keystore(keystore, "secret", null)));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(keystore)) {
            trust.load(in, "secret".toCharArray());
        }
        TrustManagerFactory trusted = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trusted.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trusted.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        assertEquals("h2", socket.getApplicationProtocol());
        try (H2Client client = new H2Client(socket)) {
            H2Client.Stream stream = client.await(client.request("GET", "/hello", true));
            assertEquals("200", stream.status());
            assertEquals("HTTP/2.0 test https", stream.text());
        }
        SSLSocket wrong = (SSLSocket) context.getSocketFactory().createSocket("localhost", port);
        wrong.setSSLParameters(parameters);
        wrong.startHandshake();
        wrong.setSoTimeout(5000);
        wrong.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        String answer = new String(wrong.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertFalse(answer.contains("HTTP/1.1 200"), "h2 was chosen: HTTP/1.1 is not served on the connection");
        wrong.close();
    }
}
