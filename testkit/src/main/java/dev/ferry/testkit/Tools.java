package dev.ferry.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What tests over TLS and HTTP/2 share: test certificates made by {@code keytool}, and real clients (curl, openssl,
 * nghttp) run as processes.
 */
public final class Tools {

    static final String KEYTOOL = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    /** The password of the keystores {@link #material} makes. */
    public static final String PASSWORD = "changeit";

    private Tools() {
    }

    /** A certificate for localhost and 127.0.0.1 and its key, in a PKCS#12 keystore and as PEM text. */
    public record Material(Path keystore, X509Certificate certificate, String certificatePem, String keyPem) {
    }

    /** A process's exit code and its output, standard error included. */
    public record Run(int exit, String output) {
    }

    /** Makes a self-signed certificate valid for two days in {@code dir}, with keytool's key options {@code algorithm}. */
    public static Material material(Path dir, String name, String... algorithm)
            throws IOException, GeneralSecurityException, InterruptedException {
        Path keystore = dir.resolve(name + ".p12");
        List<String> command = new ArrayList<>(List.of(KEYTOOL, "-genkeypair", "-alias", "server", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD));
        command.addAll(List.of(algorithm));
        Run run = run(command, "");
        assertEquals(0, run.exit(), "keytool: " + run.output());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, PASSWORD.toCharArray());
        }
        X509Certificate certificate = (X509Certificate) store.getCertificate("server");
        byte[] pkcs8 = store.getKey("server", PASSWORD.toCharArray()).getEncoded();
        return new Material(keystore, certificate, pem("CERTIFICATE", certificate.getEncoded()), pem("PRIVATE KEY", pkcs8));
    }

    /** Deletes a directory of plain files made for a test, when there is one. */
    public static void deleteFiles(Path dir) throws IOException {
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    /** Returns a client context that trusts these certificates alone. */
    static SSLContext trusting(X509Certificate... certificates) {
        try {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            for (int i = 0; i < certificates.length; i++) {
                trusted.setCertificateEntry("c" + i, certificates[i]);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Runs a command with this input and returns its exit code and output; fails after 20 seconds. */
    public static Run run(List<String> command, String input) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().write(input.getBytes(StandardCharsets.ISO_8859_1));
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readNBytes(1 << 20); // ends when the process does
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Run(process.exitValue(), new String(output, StandardCharsets.ISO_8859_1));
    }

    /** Skips the test when the tool does not run, naming the package that installs it. */
    public static void assumeTool(String tool, String installs, String... version) {
        List<String> command = new ArrayList<>(List.of(tool));
        command.addAll(List.of(version));
        try {
            run(command, "");
        } catch (IOException | InterruptedException e) {
            Assumptions.abort(tool + " is not installed (apt-get install -y " + installs + "): " + e.getMessage());
        }
    }
}
