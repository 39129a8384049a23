package dev.ferry.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * One self-signed certificate (EC P-256, for {@code localhost} and {@code 127.0.0.1}, made by
 * {@code keytool}) in the two forms the servers under test read: a PKCS#12 keystore for the raw
 * baselines ({@code -Draw.tls.keystore}) and PEM certificate and key files for Ferry
 * ({@code -Dferry.tls.cert}, {@code -Dferry.tls.key}), so that both sides serve the same key.
 */
public final class BenchCertificate implements AutoCloseable {

    /** The keystore's password. */
    public static final String PASSWORD = "changeit";

    private final Path dir;
    private final Path keystore;
    private final Path cert;
    private final Path key;
    private final X509Certificate certificate;

    private BenchCertificate(Path dir, Path keystore, Path cert, Path key, X509Certificate certificate) {
        this.dir = dir;
        this.keystore = keystore;
        this.cert = cert;
        this.key = key;
        this.certificate = certificate;
    }

    /** Makes the certificate in a new temporary directory, deleted by {@link #close()}. */
    public static BenchCertificate create() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("ferry-bench-tls");
        Path keystore = dir.resolve("server.p12");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            X509Certificate certificate = (X509Certificate) store.getCertificate("server");
            Base64.Encoder base64 = Base64.getMimeEncoder(64, new byte[] {'\n'});
            Path cert = dir.resolve("cert.pem");
            Path key = dir.resolve("key.pem");
            Files.writeString(cert, "-----BEGIN CERTIFICATE-----\n" + base64.encodeToString(certificate.getEncoded())
                    + "\n-----END CERTIFICATE-----\n");
            Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n"
                    + base64.encodeToString(store.getKey("server", PASSWORD.toCharArray()).getEncoded())
                    + "\n-----END PRIVATE KEY-----\n");
            return new BenchCertificate(dir, keystore, cert, key, certificate);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the keystore keytool made", e);
        }
    }

    /** Returns the system properties that make a raw baseline serve TLS with this certificate. */
    public List<String> rawProperties() {
        return List.of("-Draw.tls.keystore=" + keystore, "-Draw.tls.password=" + PASSWORD);
    }

    /** Returns the system properties that make a Ferry server serve TLS with this certificate (docs/tls.md). */
    public List<String> ferryProperties() {
        return List.of("-Dferry.tls.cert=" + cert, "-Dferry.tls.key=" + key);
    }

    /** Returns a client context that trusts this certificate only. */
    public SSLContext clientContext() {
        try {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("server", certificate);
            TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
            trust.init(trusted);
            SSLContext client = SSLContext.getInstance("TLS");
            client.init(null, trust.getTrustManagers(), null);
            return client;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
