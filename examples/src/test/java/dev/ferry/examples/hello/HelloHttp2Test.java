package dev.ferry.examples.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.server.Ferry;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.server.Tls;
import dev.ferry.spi.ServerProvider;
import dev.ferry.testkit.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

    private static Path dir;
    private static Tools.Material material;
    private static Path ca;

    static Stream<ServerProvider> servers() {
        return Ferry.installed().stream().filter(ServerProvider::production);
    }

    @BeforeAll
    static void certificate() throws Exception {
        Tools.assumeTool("curl", "curl", "-V");
        assumeTrue(Tools.run(List.of("curl", "-V"), "").output().contains("HTTP2"), "this curl does not speak HTTP/2");
        dir = Files.createTempDirectory("ferry-hello-h2");
        material = Tools.material(dir, "server", "-keyalg", "EC", "-groupname", "secp256r1");
        ca = Files.writeString(dir.resolve("ca.pem"), material.certificatePem());
    }

    @AfterAll
    static void deleteFiles() throws IOException {
        Tools.deleteFiles(dir);
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
                .tls(Tls.keystore(material.keystore(), Tools.PASSWORD, "PKCS12")).build());
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
        Tools.Run run = Tools.run(command, "");
        assertEquals(0, run.exit(), "curl " + command + ": " + run.output());
        int end = run.output().lastIndexOf('\n');
        // the run's output is read as ISO-8859-1; the body is UTF-8
        String body = new String(run.output().substring(0, end).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        return run.output().substring(end + 1) + " " + body;
    }
}
