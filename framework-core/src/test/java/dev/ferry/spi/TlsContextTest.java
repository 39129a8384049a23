package dev.ferry.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.Tls;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** PEM and keystore files of every form openssl writes, the engines' settings and the certificate read again. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsContextTest {

    private static final long LOOKS_APART_MILLIS = 300;

    @TempDir
    static Path dir;

    @BeforeAll
    void makeKeys() throws Exception {
        try {
            new ProcessBuilder("openssl", "version").start().waitFor();
        } catch (IOException e) {
            Assumptions.abort("openssl is not installed (apt-get install -y openssl): " + e.getMessage());
        }
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", "ec-sec1.pem");
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", "ec-sec1.pem", "-out", "ec-pkcs8.pem");
        openssl("req", "-x509", "-new", "-key", "ec-sec1.pem", "-subj", "/CN=localhost", "-days", "1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-out", "ec.crt");
        openssl("genrsa", "-traditional", "-out", "rsa-pkcs1.pem", "2048");
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", "rsa-pkcs1.pem", "-out", "rsa-pkcs8.pem");
        openssl("req", "-x509", "-new", "-key", "rsa-pkcs1.pem", "-subj", "/CN=localhost", "-days", "1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-out", "rsa.crt");
        openssl("pkcs8", "-topk8", "-in", "rsa-pkcs1.pem", "-passout", "pass:secret", "-out", "rsa-encrypted.pem");
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "other-ec.pem");
        openssl("pkcs12", "-export", "-in", "rsa.crt", "-inkey", "rsa-pkcs1.pem", "-name", "server", "-passout", "pass:changeit",
                "-out", "rsa.p12");
    }

    private void openssl(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0, command + ": " + output);
    }

    private X509Certificate certificate(String file) throws Exception {
        try (InputStream in = Files.newInputStream(dir.resolve(file))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** Handshakes with a server socket from the context and returns the certificate the client was shown. */
    private Certificate handshake(SSLContext server, String protocol) throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("ec", certificate("ec.crt"));
        trusted.setCertificateEntry("rsa", certificate("rsa.crt"));
        TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
        trust.init(trusted);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, trust.getTrustManagers(), null);
        try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 1,
                InetAddress.getLoopbackAddress())) {
            listener.setSSLParameters(TlsContext.parameters(server));
            Thread accept = Thread.ofVirtual().start(() -> {
                try (SSLSocket socket = (SSLSocket) listener.accept()) {
                    socket.startHandshake();
                    socket.getOutputStream().write('!');
                } catch (IOException e) {
                    // the client reports the failure
                }
            });
            try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket()) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setProtocols(new String[] {protocol});
                parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(parameters);
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()), 5000);
                socket.setSoTimeout(5000);
                socket.startHandshake();
                assertEquals('!', socket.getInputStream().read());
                assertEquals("http/1.1", socket.getApplicationProtocol());
                assertTrue(TlsContext.CIPHER_SUITES.contains(socket.getSession().getCipherSuite()));
                return socket.getSession().getPeerCertificates()[0];
            } finally {
                accept.join(5000);
            }
        }
    }

    @Test
    void everyPemKeyFormServes() throws Exception {
        for (String[] pair : new String[][] {{"ec.crt", "ec-sec1.pem"}, {"ec.crt", "ec-pkcs8.pem"},
                {"rsa.crt", "rsa-pkcs1.pem"}, {"rsa.crt", "rsa-pkcs8.pem"}}) {
            SSLContext context = TlsContext.create(Tls.pem(dir.resolve(pair[0]), dir.resolve(pair[1])));
            for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
                assertEquals(certificate(pair[0]), handshake(context, protocol), pair[1] + " over " + protocol);
            }
        }
    }

    @Test
    void aKeystoreServes() throws Exception {
        SSLContext context = TlsContext.create(Tls.keystore(dir.resolve("rsa.p12"), "changeit", null));
        assertEquals(certificate("rsa.crt"), handshake(context, "TLSv1.3"));
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> TlsContext.create(Tls.keystore(dir.resolve("rsa.p12"), "not-it", null)));
        assertTrue(wrong.getMessage().contains("rsa.p12: the keystore password is wrong"), wrong.getMessage());
        assertFalse(wrong.getMessage().contains("not-it"), "the password never shows: " + wrong.getMessage());
    }

    @Test
    void enginesAreConfiguredForTheServerSide() {
        SSLEngine engine = TlsContext.create(Tls.pem(dir.resolve("ec.crt"), dir.resolve("ec-pkcs8.pem"))).createSSLEngine();
        assertFalse(engine.getUseClientMode());
        assertArrayEquals(new String[] {"TLSv1.3", "TLSv1.2"}, engine.getEnabledProtocols());
        assertTrue(TlsContext.CIPHER_SUITES.containsAll(List.of(engine.getEnabledCipherSuites())));
        assertTrue(List.of(engine.getEnabledCipherSuites()).contains("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
        assertTrue(engine.getSSLParameters().getUseCipherSuitesOrder());
        assertArrayEquals(new String[] {"http/1.1"}, engine.getSSLParameters().getApplicationProtocols());
    }

    @Test
    void unusableFilesFailNamingTheFile() {
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
                () -> TlsContext.create(Tls.pem(dir.resolve("ec.crt"), dir.resolve("other-ec.pem"))));
        assertTrue(mismatch.getMessage().contains("other-ec.pem is not the private key of the certificate"), mismatch.getMessage());
        IllegalArgumentException encrypted = assertThrows(IllegalArgumentException.class,
                () -> TlsContext.create(Tls.pem(dir.resolve("rsa.crt"), dir.resolve("rsa-encrypted.pem"))));
        assertTrue(encrypted.getMessage().contains("encrypted"), encrypted.getMessage());
        IllegalArgumentException noCertificate = assertThrows(IllegalArgumentException.class,
                () -> TlsContext.create(Tls.pem(dir.resolve("rsa-pkcs8.pem"), dir.resolve("rsa-pkcs8.pem"))));
        assertTrue(noCertificate.getMessage().contains("holds no PEM certificate"), noCertificate.getMessage());
        UncheckedIOException missing = assertThrows(UncheckedIOException.class,
                () -> TlsContext.create(Tls.pem(dir.resolve("absent.crt"), dir.resolve("rsa-pkcs8.pem"))));
        assertTrue(missing.getMessage().contains("absent.crt"), missing.getMessage());
    }

    @Test
    void theCertificateIsReadAgainWhenItsFilesChangeAndBrokenFilesKeepTheLastGoodOne() throws Exception {
        // the key manager looks at the files at most once per 200 ms: each change waits a little longer
        Path cert = dir.resolve("live.crt");
        Path key = dir.resolve("live.key");
        Files.copy(dir.resolve("ec.crt"), cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(dir.resolve("ec-pkcs8.pem"), key, StandardCopyOption.REPLACE_EXISTING);
        SSLContext context = TlsContext.create(Tls.pem(cert, key));
        assertEquals(certificate("ec.crt"), handshake(context, "TLSv1.3"));
        Files.copy(dir.resolve("rsa-pkcs1.pem"), key, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(dir.resolve("rsa.crt"), cert, StandardCopyOption.REPLACE_EXISTING);
        Thread.sleep(LOOKS_APART_MILLIS);
        assertEquals(certificate("rsa.crt"), handshake(context, "TLSv1.3"));
        Files.write(cert, "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n".getBytes(StandardCharsets.US_ASCII));
        Thread.sleep(LOOKS_APART_MILLIS);
        assertEquals(certificate("rsa.crt"), handshake(context, "TLSv1.2"), "a broken file keeps the last good certificate");
        Files.copy(dir.resolve("ec.crt"), cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(dir.resolve("ec-sec1.pem"), key, StandardCopyOption.REPLACE_EXISTING);
        Thread.sleep(LOOKS_APART_MILLIS);
        assertEquals(certificate("ec.crt"), handshake(context, "TLSv1.2"));
    }
}
