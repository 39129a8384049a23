package dev.ferry.examples.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.server.Ferry;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.server.Tls;
import dev.ferry.spi.ServerProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hello example's answers over HTTP/2 from every production server, fetched with curl: h2c with
 * prior knowledge, and h2 chosen by ALPN over TLS with a certificate made by keytool.
 */
class HelloHttp2Test {

    private static final String PASSWORD = "changeit";
    private static Path dir;
    private static Path keystore;
    private static Path ca;

    static Stream<ServerProvider> servers() {
        return Ferry.installed().stream().filter(ServerProvider::production);
    }

    @BeforeAll
    static void certificate() throws Exception {
        assumeTrue(curlSpeaksHttp2(), "curl with HTTP/2 is not installed");
        dir = Files.createTempDirectory("ferry-hello-h2");
        keystore = dir.resolve("server.p12");
        ca = dir.resolve("ca.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        assertEquals(0, run(List.of(keytool, "-genkeypair", "-alias", "server", "-dname", "CN=localhost", "-ext",
                "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-keyalg", "EC", "-groupname", "secp256r1",
                "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD))
                .exit);
        assertEquals(0, run(List.of(keytool, "-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(),
                "-storepass", PASSWORD, "-file", ca.toString())).exit);
    }

    @AfterAll
    static void deleteFiles() throws IOException {
        for (Path file : new Path[] {keystore, ca, dir}) {
            if (file != null) {
                Files.deleteIfExists(file);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void h2cWithPriorKnowledge(ServerProvider provider) throws Exception {
        Server server = provider.start(HelloApp.app(), ServerConfig.builder().host("127.0.0.1").port(0).build());
        try {
            String base = "http://127.0.0.1:" + server.port();
            assertEquals("2 200 Hello, World!", curl("--http2-prior-knowledge", base + "/"));
            assertEquals("2 200 {\"message\":\"Hello, World!\"}", curl("--http2-prior-knowledge", base + "/json"));
            assertEquals("2 200 Hello, Jürgen!", curl("--http2-prior-knowledge", base + "/hello/J%C3%BCrgen"));
            assertEquals("2 200 ping", curl("--http2-prior-knowledge", "-H", "Content-Type: text/plain",
                    "--data-binary", "ping", base + "/echo"));
            assertEquals("2 500 Internal Server Error", curl("--http2-prior-knowledge", base + "/boom"));
        } finally {
            server.stop(Duration.ofSeconds(1));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void h2OverTlsByAlpn(ServerProvider provider) throws Exception {
        Server server = provider.start(HelloApp.app(), ServerConfig.builder().host("127.0.0.1").port(0)
                .tls(Tls.keystore(keystore, PASSWORD, "PKCS12")).build());
        try {
            String base = "https://localhost:" + server.port();
            String[] tls = {"--http2", "--cacert", ca.toString(), "--resolve", "localhost:" + server.port() + ":127.0.0.1"};
            assertEquals("2 200 Hello, World!", curl(tls, base + "/"));
            assertEquals("2 200 {\"message\":\"Hello, World!\"}", curl(tls, base + "/json"));
            assertEquals("2 200 ping", curl(concat(tls, "-H", "Content-Type: text/plain", "--data-binary", "ping"),
                    base + "/echo"));
            assertEquals("1.1 200 Hello, World!", curl(new String[] {"--http1.1", "--cacert", ca.toString(), "--resolve",
                    "localhost:" + server.port() + ":127.0.0.1"}, base + "/"), "HTTP/1.1 on the same port");
        } finally {
            server.stop(Duration.ofSeconds(1));
        }
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = new String[first.length + more.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    /** Returns {@code version status body} of one fetch. */
    private static String curl(String option, String... rest) throws Exception {
        return curl(new String[] {option}, rest);
    }

    private static String curl(String[] options, String... rest) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-s", "--max-time", "10", "-o", "-", "-w",
                "\n%{http_version} %{http_code}"));
        command.addAll(List.of(options));
        command.addAll(List.of(rest));
        Run run = run(command);
        assertEquals(0, run.exit, "curl " + command + ": " + run.output);
        int end = run.output.lastIndexOf('\n');
        return run.output.substring(end + 1) + " " + run.output.substring(0, end);
    }

    private static boolean curlSpeaksHttp2() {
        try {
            Run run = run(List.of("curl", "-V"));
            return run.exit == 0 && run.output.contains("HTTP2");
        } catch (Exception e) {
            return false;
        }
    }

    private record Run(int exit, String output) {
    }

    private static Run run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
