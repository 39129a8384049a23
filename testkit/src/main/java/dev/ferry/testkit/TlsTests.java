package dev.ferry.testkit;

import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.server.Tls;
import dev.ferry.spi.TlsContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS, required of production servers (the dev server serves plain HTTP only, so the whole tier is reported
 * skipped there): TLS 1.3 and 1.2 with {@code https} as the request's scheme, older versions, plain HTTP and weak
 * cipher suites refused, the head check on the decrypted bytes, the certificate read again when its files change,
 * a keystore instead of PEM files, and {@code openssl s_client} and {@code curl} as clients. The certificates are
 * made by {@code keytool} when the tier starts: an EC one the server starts with, and an RSA one it is switched to.
 * Tagged {@code tls}: {@code -Dgroups=tls} runs this tier alone.
 */
@Tag("tls")
abstract class TlsTests extends Tier {

    private static final String PASSWORD = Tools.PASSWORD;

    private Path dir;
    private Path cert;
    private Path key;
    private Path bundle;
    private Tools.Material ec;
    private Tools.Material rsa;

    TlsTests(ConformanceSuite suite) {
        super(suite);
    }

    @Override
    ServerConfig config() {
        Assumptions.assumeTrue(suite.provider().production(), "TLS is required of production servers; the dev server "
                + "serves plain HTTP only and refuses to start when ferry.tls.* is set");
        try {
            dir = Files.createTempDirectory("ferry-tls");
            ec = Tools.material(dir, "ec", "-keyalg", "EC", "-groupname", "secp256r1");
            rsa = Tools.material(dir, "rsa", "-keyalg", "RSA", "-keysize", "2048");
            cert = dir.resolve("cert.pem");
            key = dir.resolve("key.pem");
            install(ec);
            bundle = dir.resolve("ca.pem");
            Files.writeString(bundle, ec.certificatePem() + rsa.certificatePem());
        } catch (IOException | GeneralSecurityException | InterruptedException e) {
            throw new AssertionError("cannot make the test certificates with keytool", e);
        }
        return base().tls(Tls.pem(cert, key)).build();
    }

    @AfterAll
    void deleteFiles() throws IOException {
        Tools.deleteFiles(dir);
    }

    /** Replaces the server's files with these, each by an atomic move, the key first. */
    private void install(Tools.Material material) throws IOException {
        Path next = dir.resolve("next.pem");
        Files.writeString(next, material.keyPem());
        Files.move(next, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(next, material.certificatePem());
        Files.move(next, cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Returns a client socket that trusts both test certificates and offers these protocols, cipher suites and http/1.1 by ALPN. */
    private SSLSocket socket(int port, List<String> protocols, List<String> ciphers) throws IOException {
        try {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("ec", ec.certificate());
            trusted.setCertificateEntry("rsa", rsa.certificate());
            TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name 127.0.0.1
            parameters.setProtocols(protocols.toArray(String[]::new));
            if (!ciphers.isEmpty()) {
                parameters.setCipherSuites(ciphers.toArray(String[]::new));
            }
            parameters.setApplicationProtocols(new String[] {"http/1.1"}); // h2: alpnChoosesH2WhenOfferedAndHttp11Otherwise
            socket.setSSLParameters(parameters);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(5000);
            return socket;
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private SSLSocket handshake(int port, String protocol) throws IOException {
        SSLSocket socket = socket(port, List.of(protocol), List.of());
        socket.startHandshake();
        return socket;
    }

    @Override
    RawClient connect() throws IOException {
        return RawClient.over(handshake(port, "TLSv1.3"));
    }

    private void assertHttps(SSLSocket socket, String protocol) throws IOException {
        assertEquals(protocol, socket.getSession().getProtocol());
        assertTrue(TlsContext.CIPHER_SUITES.contains(socket.getSession().getCipherSuite()),
                "an AEAD suite with forward secrecy: " + socket.getSession().getCipherSuite());
        assertEquals("http/1.1", socket.getApplicationProtocol(), "ALPN: http/1.1 as offered");
        try (RawClient client = RawClient.over(socket)) {
            RawResponse response = client.send(get("/remote")).readFinal();
            assertEquals(200, response.status());
            assertTrue(response.text().contains("scheme=https"), response.text());
            assertReusable(client);
        }
    }

    @Test
    void tls13RequestIsAnsweredWithSchemeHttps() throws IOException {
        assertHttps(handshake(port, "TLSv1.3"), "TLSv1.3");
    }

    @Test
    void tls12RequestIsAnsweredWithSchemeHttps() throws IOException {
        assertHttps(handshake(port, "TLSv1.2"), "TLSv1.2");
    }

    /** Returns a TLS 1.3 socket, its handshake done, that offered these protocols through ALPN. */
    private SSLSocket alpn(int port, String... offered) throws IOException {
        SSLSocket socket = socket(port, List.of("TLSv1.3"), List.of());
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(offered);
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    /**
     * ALPN with HTTP/2 on (the default): {@code h2} is chosen when offered, first or alone, and then spoken;
     * {@code http/1.1} when offered alone, and a client without ALPN is served HTTP/1.1. With {@code ferry.http2=false}
     * the server offers {@code http/1.1} alone: a client that offers only {@code h2} gets no_application_protocol.
     */
    @Test
    void alpnChoosesH2WhenOfferedAndHttp11Otherwise() throws IOException {
        try (SSLSocket plain = alpn(port)) {
            assertEquals("", plain.getApplicationProtocol(), "no ALPN asked, none chosen");
            assertEquals(200, RawClient.over(plain).send(get("/hello")).readFinal().status());
        }
        try (SSLSocket http11 = alpn(port, "http/1.1")) {
            assertEquals("http/1.1", http11.getApplicationProtocol());
            assertEquals(200, RawClient.over(http11).send(get("/hello")).readFinal().status());
        }
        if (!suite.speaksHttp2()) {
            assertHttp11Only(port);
            return;
        }
        for (String[] offered : List.of(new String[] {"h2", "http/1.1"}, new String[] {"h2"})) {
            try (SSLSocket socket = alpn(port, offered); RawH2 h2 = RawH2.over(socket)) {
                assertEquals("h2", socket.getApplicationProtocol(), "ALPN from " + List.of(offered));
                RawH2.Reply reply = h2.get(1, "/remote").reply(1);
                assertEquals(200, reply.status(), reply.toString());
                assertTrue(reply.text().contains("scheme=https") && reply.text().contains("version=HTTP/2.0"), reply.text());
            }
        }
        Server off = suite.start(handler(), base().http2(false).tls(Tls.pem(cert, key)).build());
        try {
            assertHttp11Only(off.port());
        } finally {
            stopWithin(off, Duration.ofMillis(500));
        }
    }

    /** ALPN offers http/1.1 alone: chosen from h2 and http/1.1, and a client that offers only h2 gets no_application_protocol. */
    private void assertHttp11Only(int port) throws IOException {
        try (SSLSocket both = alpn(port, "h2", "http/1.1")) {
            assertEquals("http/1.1", both.getApplicationProtocol(), "HTTP/1.1 only: http/1.1 from h2 and http/1.1");
            assertEquals(200, RawClient.over(both).send(get("/hello")).readFinal().status());
        }
        SSLException refused = assertThrows(SSLException.class, () -> alpn(port, "h2").close());
        assertTrue(refused.getMessage().contains("no_application_protocol"), refused.getMessage());
    }

    @Test
    void tls11ClientHelloIsRefused() throws IOException {
        // a TLS 1.1 ClientHello by hand: the JDK's client will not offer TLS 1.1 any more
        byte[] random = new byte[32];
        new java.security.SecureRandom().nextBytes(random);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {3, 2});
        body.writeBytes(random);
        body.writeBytes(new byte[] {0, 0, 4, (byte) 0xC0, 0x13, 0x00, 0x2F, 1, 0});
        byte[] hello = body.toByteArray();
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.writeBytes(new byte[] {0x16, 3, 1, 0, (byte) (hello.length + 4), 1, 0, 0, (byte) hello.length});
        record.writeBytes(hello);
        byte[] answer = rawExchange(record.toByteArray());
        assertTrue(answer.length == 0 || answer[0] == 0x15, "an alert or a close, not a ServerHello: first byte "
                + (answer.length == 0 ? "none" : answer[0]));
    }

    /** Refused: an alert, a close, or (as Tomcat and nginx do) a plain-text 400 that says TLS is needed; never served. */
    @Test
    void plainHttpOnTheTlsPortIsRefused() throws IOException {
        byte[] answer = rawExchange(get("/hello").getBytes(StandardCharsets.ISO_8859_1));
        String text = new String(answer, StandardCharsets.ISO_8859_1);
        assertTrue(!text.startsWith("HTTP/") || text.startsWith("HTTP/1.1 400"), "refused, not served: " + text);
        assertFalse(text.contains(ConformanceApp.HELLO), "not served: " + text);
        assertEquals(0, app.invocations(), "the app must not see a plain HTTP request");
    }

    /** A slowloris on the handshake: silent, or stopping inside its ClientHello, it is closed by the header timeout. */
    @Test
    void aClientThatNeverFinishesItsHandshakeIsClosedByTheHeaderTimeout() throws IOException {
        for (byte[] start : List.of(new byte[0], new byte[] {0x16, 3, 1, 0, (byte) 0xC8, 1, 0})) {
            long began = System.nanoTime();
            byte[] answer = rawExchange(start);
            Duration took = Duration.ofNanos(System.nanoTime() - began);
            String text = new String(answer, StandardCharsets.ISO_8859_1);
            assertFalse(text.contains("HTTP/1.1 200"), "not served: " + text);
            assertTrue(took.compareTo(HEADER_TIMEOUT.plus(CLOSE_SLACK)) < 0, "closed after " + took);
        }
    }

    /** Sends raw bytes on a new TCP connection and returns what comes back before the server closes it. */
    private byte[] rawExchange(byte[] request) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout((int) (HEADER_TIMEOUT.plus(CLOSE_SLACK).toMillis()));
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            try {
                for (int n; (n = socket.getInputStream().read(buffer)) >= 0; ) {
                    answer.write(buffer, 0, n);
                }
            } catch (SocketException e) {
                // a reset: closed
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the server kept the connection open after "
                        + new String(answer.toByteArray(), StandardCharsets.ISO_8859_1));
            }
            return answer.toByteArray();
        }
    }

    @Test
    void cipherSuitesWithoutForwardSecrecyOrAeadAreRefused() throws IOException {
        // CBC with ECDHE (no AEAD) and RSA key exchange (no forward secrecy), offered alone over TLS 1.2
        List<String> weak = new ArrayList<>();
        try (SSLSocket probe = socket(port, List.of("TLSv1.2"), List.of())) {
            for (String suite : List.of("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
                    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_128_GCM_SHA256")) {
                if (List.of(probe.getSupportedCipherSuites()).contains(suite)) {
                    weak.add(suite);
                }
            }
        }
        Assumptions.assumeFalse(weak.isEmpty(), "this JDK's client supports none of the weak suites");
        SSLSocket socket = socket(port, List.of("TLSv1.2"), weak);
        try (socket) {
            assertThrows(SSLException.class, socket::startHandshake, "a handshake offering only " + weak);
        }
    }

    @Test
    void malformedHeadOverTlsIs400AndClose() throws IOException {
        try (RawClient client = connect()) {
            client.send("GET /hello HTTP/1.1\r\nHost : localhost\r\n\r\n" + get("/hello"));
            RawResponse response = client.readFinal();
            assertEquals(400, response.status(), response.head());
            assertClosed(client, "after a 400 for a malformed head over TLS");
        }
        assertEquals(0, app.invocations(), "the handler must not run for a malformed head");
    }

    @Test
    void certificateIsReadAgainWhenItsFilesChange() throws Exception {
        try (SSLSocket before = handshake(port, "TLSv1.3")) {
            assertEquals(ec.certificate(), before.getSession().getPeerCertificates()[0]);
            install(rsa);
            try {
                // a new connection gets the new certificate; the one open keeps working
                Certificate seen = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                while (System.nanoTime() < deadline && !rsa.certificate().equals(seen)) {
                    try (SSLSocket after = handshake(port, "TLSv1.3")) {
                        seen = after.getSession().getPeerCertificates()[0];
                        assertHttps(after, "TLSv1.3");
                    }
                }
                assertEquals(rsa.certificate(), seen, "the certificate after its files changed");
                try (RawClient old = RawClient.over(before)) {
                    assertEquals(200, old.send(get("/hello")).readFinal().status());
                }
            } finally {
                install(ec);
            }
        }
        Certificate back = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < deadline && !ec.certificate().equals(back)) {
            try (SSLSocket again = handshake(port, "TLSv1.2")) {
                back = again.getSession().getPeerCertificates()[0];
            }
        }
        assertEquals(ec.certificate(), back, "the first certificate again once its files are back");
    }

    @Test
    void aKeystoreServesToo() throws IOException {
        Server other = suite.start(handler(), base().tls(Tls.keystore(rsa.keystore(), PASSWORD, null)).build());
        try (SSLSocket socket = handshake(other.port(), "TLSv1.3")) {
            assertEquals(rsa.certificate(), socket.getSession().getPeerCertificates()[0]);
            assertHttps(socket, "TLSv1.3");
        } finally {
            stopWithin(other, Duration.ofMillis(500));
        }
    }

    /** Bodies of many TLS records both ways on one connection: fixed-length and chunked uploads, whole and streamed answers. */
    @Test
    void largeBodiesStreamBothWaysOverTls() throws IOException {
        byte[] upload = ConformanceApp.pattern(2 * 1024 * 1024 + 5);
        String text = new String(upload, StandardCharsets.ISO_8859_1);
        try (RawClient client = connect()) {
            RawResponse echoed = client.send(post("/echo", text)).readFinal();
            assertEquals(200, echoed.status(), echoed.head());
            assertTrue(java.util.Arrays.equals(upload, echoed.body()), "a 2 MiB upload echoed whole");
            StringBuilder chunked = new StringBuilder("POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int at = 0; at < 1024 * 1024; at += 65536) {
                chunked.append("10000\r\n").append(text, at, at + 65536).append("\r\n");
            }
            RawResponse chunkedEcho = client.send(chunked.append("0\r\n\r\n").toString()).readFinal();
            assertEquals(String.valueOf(1024 * 1024), chunkedEcho.header("X-Body-Length").orElse(""), chunkedEcho.head());
            for (String target : List.of("/bytes/3000000", "/stream-bytes/3000000")) {
                RawResponse download = client.send(get(target)).readFinal();
                assertEquals(200, download.status(), target);
                assertTrue(java.util.Arrays.equals(ConformanceApp.pattern(3_000_000), download.body()), target + " whole");
            }
        }
    }

    /** A file as large as a few TLS records, sent zero-copy over plain TCP where the server can, arrives whole over TLS. */
    @Test
    void aStaticFileArrivesWholeOverTls() throws IOException {
        byte[] content = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(42).nextBytes(content);
        Path files = Files.createDirectories(dir.resolve("static"));
        Files.write(files.resolve("big.bin"), content);
        Server other = suite.start(dev.ferry.StaticFiles.directory(files), base().tls(Tls.pem(cert, key)).build());
        try (RawClient client = RawClient.over(handshake(other.port(), "TLSv1.3"))) {
            RawResponse response = client.send(get("/big.bin")).readFinal();
            assertEquals(200, response.status(), response.head());
            assertTrue(java.util.Arrays.equals(content, response.body()), "the file's bytes, all " + content.length);
            assertEquals(206, client.send(request("GET", "/big.bin", "Range: bytes=1000-1999")).readFinal().status());
        } finally {
            stopWithin(other, Duration.ofMillis(500));
            Files.delete(files.resolve("big.bin"));
            Files.delete(files);
        }
    }

    // --- real clients

    private static final String LAST_REQUEST = "GET /remote HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

    private Tools.Run sClient(String... options) throws IOException, InterruptedException {
        return sClientSending(LAST_REQUEST, options);
    }

    private Tools.Run sClientSending(String input, String... options) throws IOException, InterruptedException {
        Tools.assumeTool("openssl", "openssl", "version");
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "localhost", "-CAfile", bundle.toString(), "-verify_return_error", "-ign_eof"));
        command.addAll(List.of(options));
        return Tools.run(command, input);
    }

    @Test
    void opensslSClientGetsAnAnswerOverTls13And12() throws Exception {
        for (String version : List.of("-tls1_3", "-tls1_2")) {
            Tools.Run run = sClient(version, "-alpn", "http/1.1");
            assertTrue(run.output().contains("Verify return code: 0 (ok)"), version + ": " + run.output());
            assertTrue(run.output().contains("ALPN protocol: http/1.1"), version + ": " + run.output());
            assertTrue(run.output().contains("HTTP/1.1 200") && run.output().contains("scheme=https"), version + ": " + run.output());
        }
    }

    /**
     * A connection the server ends after its answer ends with TLS's close_notify: a bare TCP close reads as truncation.
     * Also when the client sent more after the last request, which a server may drop before it closes.
     */
    @Test
    void theServerEndsAConnectionWithCloseNotify() throws Exception {
        for (String version : List.of("-tls1_3", "-tls1_2")) {
            for (String input : List.of(LAST_REQUEST, LAST_REQUEST + "GET /remote HTTP/1.1\r\nHost: localhost\r\n\r\n")) {
                Tools.Run run = sClientSending(input, version, "-alpn", "http/1.1");
                String what = version + (input.equals(LAST_REQUEST) ? "" : ", a request after the last") + ": ";
                assertEquals(1, run.output().split("HTTP/1.1 200", -1).length - 1, what + "one answer: " + run.output());
                assertFalse(run.output().contains("unexpected eof"), what + "the connection ended without close_notify: "
                        + run.output());
            }
        }
    }

    @Test
    void opensslSClientIsRefusedTls11AndWeakCiphers() throws Exception {
        Tools.Run old = sClient("-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
        assertFalse(old.output().contains("no protocols available"), "the client must offer TLS 1.1: " + old.output());
        assertTrue(old.exit() != 0 && !old.output().contains("HTTP/1.1 200"), "TLS 1.1: " + old.output());
        Tools.Run weak = sClient("-tls1_2", "-cipher", "AES128-GCM-SHA256:AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA256:"
                + "ECDHE-RSA-AES128-SHA:DHE-RSA-AES128-GCM-SHA256");
        assertTrue(weak.exit() != 0 && !weak.output().contains("HTTP/1.1 200"), "weak suites: " + weak.output());
    }

    @Test
    void curlWithTheCaCertificateGetsAnAnswer() throws Exception {
        Tools.assumeTool("curl", "curl", "--version");
        String url = "https://127.0.0.1:" + port + "/remote";
        for (List<String> versions : List.of(List.of("--tlsv1.3"), List.of("--tlsv1.2", "--tls-max", "1.2"))) {
            List<String> command = new ArrayList<>(List.of("curl", "-sS", "--http1.1", "--max-time", "10", "--cacert", bundle.toString(),
                    "-w", "\n%{http_code} %{http_version} %{scheme}"));
            command.addAll(versions);
            command.add(url);
            Tools.Run run = Tools.run(command, "");
            assertEquals(0, run.exit(), versions + ": " + run.output());
            assertTrue(run.output().contains("scheme=https") && run.output().endsWith("\n200 1.1 HTTPS"), versions + ": " + run.output());
        }
        Tools.Run untrusted = Tools.run(List.of("curl", "-sS", "--max-time", "10", url), "");
        assertEquals(60, untrusted.exit(), "curl without the CA certificate refuses the server's: " + untrusted.output());
        Tools.Run old = Tools.run(List.of("curl", "-sS", "--max-time", "10", "--cacert", bundle.toString(), "--tlsv1.1", "--tls-max", "1.1",
                "--ciphers", "DEFAULT@SECLEVEL=0", url), "");
        assertTrue(old.exit() != 0 && !old.output().contains("scheme="), "TLS 1.1: " + old.output());
    }
}
