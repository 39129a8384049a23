package dev.ferry.bench;

import dev.ferry.server.Tls;
import dev.ferry.spi.TlsContext;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Full TLS handshakes in memory (no resumption) between a JDK client engine and a server engine from the core's
 * {@link TlsContext} (PEM files, checked for changes at most every 200 ms), against one from a plain JDK context
 * over the same key with the same protocols, suites and ALPN: what Ferry's TLS setup costs a handshake, whichever
 * server carries it. The plain JDK context comes twice: with the JDK's default key manager ({@code SunX509}), the
 * one the core builds on and a server given a plain {@code SSLContext} gets (so the difference is Ferry's own
 * setup), and with {@code NewSunX509}, which the core used before and which makes handshakes slower. The certificate is made by {@code keytool}: EC P-256 or RSA 2048.
 *
 * <p>On a shared machine, {@link #main} gives the steadier figure: blocks of handshakes of each kind alternated in
 * one JVM, and the ratio of their medians.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class TlsHandshakeBenchmark {

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    @Param({"EC", "RSA"})
    public String algorithm;

    @Param({"TLSv1.3", "TLSv1.2"})
    public String protocol;

    private Path dir;
    private SSLContext ferry;
    private SSLContext jdk;
    private SSLContext jdkDefault;
    private SSLContext client;

    @Setup
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("ferry-tls-bench");
        Path keystore = dir.resolve("server.p12");
        List<String> size = algorithm.equals("EC") ? List.of("-groupname", "secp256r1") : List.of("-keysize", "2048");
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", algorithm, "-dname", "CN=localhost", "-validity", "2",
                "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit"));
        command.addAll(size);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("keytool failed: " + command);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, "changeit".toCharArray());
        }
        X509Certificate certificate = (X509Certificate) store.getCertificate("server");
        Base64.Encoder base64 = Base64.getMimeEncoder(64, new byte[] {'\n'});
        Files.writeString(dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\n" + base64.encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + base64.encodeToString(store.getKey("server", "changeit".toCharArray()).getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        ferry = TlsContext.create(Tls.pem(dir.resolve("cert.pem"), dir.resolve("key.pem")));
        KeyManagerFactory keys = KeyManagerFactory.getInstance("NewSunX509");
        keys.init(store, "changeit".toCharArray());
        jdk = SSLContext.getInstance("TLS");
        jdk.init(keys.getKeyManagers(), null, null);
        // the JDK's default key manager (SunX509), as a server configured with a plain SSLContext gets it
        KeyManagerFactory defaultKeys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        defaultKeys.init(store, "changeit".toCharArray());
        jdkDefault = SSLContext.getInstance("TLS");
        jdkDefault.init(defaultKeys.getKeyManagers(), null, null);
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("server", certificate);
        TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
        trust.init(trusted);
        client = SSLContext.getInstance("TLS");
        client.init(null, trust.getTrustManagers(), null);
    }

    @TearDown
    public void tearDown() throws Exception {
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }

    @Benchmark
    public String ferry() throws SSLException {
        return handshake(ferry.createSSLEngine());
    }

    @Benchmark
    public String jdk() throws SSLException {
        SSLEngine server = jdk.createSSLEngine();
        server.setUseClientMode(false);
        server.setSSLParameters(TlsContext.parameters(jdk));
        return handshake(server);
    }

    /** As {@link #jdk()}, with the JDK's default key manager ({@code SunX509}) instead of {@code NewSunX509}. */
    @Benchmark
    public String jdkDefault() throws SSLException {
        SSLEngine server = jdkDefault.createSSLEngine();
        server.setUseClientMode(false);
        server.setSSLParameters(TlsContext.parameters(jdkDefault));
        return handshake(server);
    }

    /**
     * Alternates blocks of Ferry's and the plain JDK's handshakes in one JVM and prints the median handshakes per
     * second of each and their ratio: {@code java -cp ferry-bench.jar dev.ferry.bench.TlsHandshakeBenchmark [EC|RSA]
     * [TLSv1.3|TLSv1.2] [rounds]}.
     */
    public static void main(String[] args) throws Exception {
        TlsHandshakeBenchmark bench = new TlsHandshakeBenchmark();
        bench.algorithm = args.length > 0 ? args[0] : "EC";
        bench.protocol = args.length > 1 ? args[1] : "TLSv1.3";
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        bench.setUp();
        try {
            for (int i = 0; i < 300; i++) { // warm-up
                bench.ferry();
                bench.jdk();
                bench.jdkDefault();
            }
            Handshake[] kinds = {bench::ferry, bench::jdk, bench::jdkDefault};
            double[][] rates = new double[kinds.length][rounds];
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < kinds.length; i++) { // the order rotates from round to round
                    int kind = (round + i) % kinds.length;
                    rates[kind][round] = block(kinds[kind]);
                }
            }
            for (double[] kind : rates) {
                java.util.Arrays.sort(kind);
            }
            double f = rates[0][rounds / 2];
            double j = rates[1][rounds / 2];
            double d = rates[2][rounds / 2];
            System.out.printf("%s %s: Ferry %.0f handshakes/s, plain JDK (NewSunX509) %.0f, plain JDK with its default key manager "
                    + "(SunX509) %.0f (medians of %d rotated blocks); ratios Ferry/NewSunX509 %.3f, Ferry/SunX509 %.3f%n",
                    bench.algorithm, bench.protocol, f, j, d, rounds, f / j, f / d);
        } finally {
            bench.tearDown();
        }
    }

    private interface Handshake {
        String run() throws SSLException;
    }

    private static double block(Handshake handshake) throws SSLException {
        int count = 50;
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            handshake.run();
        }
        return count / ((System.nanoTime() - start) / 1e9);
    }

    private String handshake(SSLEngine server) throws SSLException {
        SSLEngine engine = client.createSSLEngine(); // no host and port: no session to resume
        engine.setUseClientMode(true);
        var parameters = engine.getSSLParameters();
        parameters.setProtocols(new String[] {protocol});
        parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
        engine.setSSLParameters(parameters);
        int packet = Math.max(engine.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize());
        ByteBuffer toServer = ByteBuffer.allocate(packet * 4);
        ByteBuffer toClient = ByteBuffer.allocate(packet * 4);
        ByteBuffer app = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() * 2);
        engine.beginHandshake();
        server.beginHandshake();
        for (int round = 0; round < 100; round++) {
            boolean moved = step(engine, toServer, toClient, app) | step(server, toClient, toServer, app);
            if (done(engine) && done(server)) {
                return server.getSession().getCipherSuite();
            }
            if (!moved) {
                break;
            }
        }
        throw new IllegalStateException("the handshake stalled: " + engine.getHandshakeStatus() + " / " + server.getHandshakeStatus());
    }

    private static boolean done(SSLEngine engine) {
        var status = engine.getHandshakeStatus();
        return status == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING || status == SSLEngineResult.HandshakeStatus.FINISHED;
    }

    /** One move of an engine: writes to {@code out}, reads from {@code in}; both are kept ready for writing. */
    private static boolean step(SSLEngine engine, ByteBuffer out, ByteBuffer in, ByteBuffer app) throws SSLException {
        switch (engine.getHandshakeStatus()) {
            case NEED_WRAP -> {
                return engine.wrap(EMPTY, out).bytesProduced() > 0 || engine.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_WRAP;
            }
            case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                in.flip();
                SSLEngineResult result = engine.unwrap(in, app);
                in.compact();
                app.clear();
                return result.bytesConsumed() > 0 || result.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_UNWRAP;
            }
            case NEED_TASK -> {
                for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
                    task.run();
                }
                return true;
            }
            default -> {
                return false;
            }
        }
    }
}
