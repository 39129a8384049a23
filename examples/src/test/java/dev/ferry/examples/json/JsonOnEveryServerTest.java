package dev.ferry.examples.json;

import dev.ferry.server.Ferry;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.ServerProvider;
import dev.ferry.testkit.RawClient;
import dev.ferry.testkit.RawResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sends the JSON example raw requests on every server on this module's class path, each started
 * through its provider: a valid document, malformed JSON, a value of the wrong type, a wrong content
 * type and a chunked body past the body limit. Every server must answer each the same way.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JsonOnEveryServerTest {

    private static final int MAX_BODY = 4096;

    private final Map<String, Server> servers = new LinkedHashMap<>();

    @BeforeAll
    void start() {
        List<ServerProvider> providers = new ArrayList<>(Ferry.installed());
        providers.sort(Comparator.comparing(ServerProvider::name));
        Assumptions.assumeFalse(providers.isEmpty(), "no server module on the class path");
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).maxRequestBody(MAX_BODY)
                .shutdownGrace(Duration.ofMillis(500)).build();
        for (ServerProvider provider : providers) {
            servers.put(provider.name(), provider.start(PetsApp.app(), config));
        }
    }

    @AfterAll
    void stop() {
        servers.values().forEach(server -> server.stop(Duration.ofMillis(500)));
    }

    Stream<String> servers() {
        return Stream.of("dev", "netty", "tomcat", "undertow").filter(name -> Ferry.installed().stream()
                .anyMatch(provider -> provider.name().equals(name)));
    }

    private RawResponse send(String server, String request) throws IOException {
        try (RawClient client = RawClient.connect(servers.get(server).port()).timeout(Duration.ofSeconds(5))) {
            return client.send(request).readFinal();
        }
    }

    private static String post(String path, String contentType, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: test\r\n" + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    private static void assertNoInternals(RawResponse response) {
        String text = response.text();
        for (String leak : List.of("Exception", "jackson", "dev.ferry", "java.", "\tat ")) {
            assertFalse(text.contains(leak), "the answer shows internals (" + leak + "): " + text);
        }
    }

    @ParameterizedTest
    @MethodSource("servers")
    void validJsonIsBoundAndAnsweredAsJson(String server) throws IOException {
        RawResponse response = send(server, post("/pets", "application/json", "{\"name\":\"Rex\",\"age\":3}"));
        assertEquals(201, response.status(), response.head());
        assertEquals("application/json", response.header("Content-Type").orElse(null));
        assertEquals(RawResponse.Framing.CONTENT_LENGTH, response.framing());
        assertTrue(response.text().matches("\\{\"id\":\\d+,\"name\":\"Rex\",\"age\":3}"), response.text());
    }

    @ParameterizedTest
    @MethodSource("servers")
    void aGenericListIsBound(String server) throws IOException {
        RawResponse response = send(server, post("/pets/batch", "application/json; charset=utf-8",
                "[{\"name\":\"a\",\"age\":1},{\"name\":\"b\",\"age\":2}]"));
        assertEquals(200, response.status(), response.head());
        assertEquals("{\"received\":2}", response.text());
    }

    @ParameterizedTest
    @MethodSource("servers")
    void malformedJsonIs400WithItsLocation(String server) throws IOException {
        RawResponse response = send(server, post("/pets", "application/json", "{\"name\":\"Rex\" \"age\":3}"));
        assertEquals(400, response.status(), response.head());
        assertEquals("Bad Request: malformed JSON at line 1, column 15", response.text());
        assertNoInternals(response);
    }

    @ParameterizedTest
    @MethodSource("servers")
    void aWrongTypeIs400WithThePropertyPath(String server) throws IOException {
        RawResponse response = send(server, post("/pets/batch", "application/json",
                "[{\"name\":\"a\",\"age\":1},{\"name\":\"b\",\"age\":\"two\"}]"));
        assertEquals(400, response.status(), response.head());
        assertEquals("Bad Request: expected a number at $[1].age (line 1, column 41)", response.text());
        assertNoInternals(response);
    }

    @ParameterizedTest
    @MethodSource("servers")
    void aStatusFromTheValuesConstructorIsKept(String server) throws IOException {
        RawResponse response = send(server, post("/pets", "application/json", "{\"name\":\" \",\"age\":3}"));
        assertEquals(422, response.status(), response.head());
        assertEquals("Unprocessable Content: a pet needs a name", response.text());
    }

    @ParameterizedTest
    @MethodSource("servers")
    void aWrongOrMissingContentTypeIs415(String server) throws IOException {
        RawResponse text = send(server, post("/pets", "text/plain", "{\"name\":\"Rex\",\"age\":3}"));
        assertEquals(415, text.status(), text.head());
        assertEquals("Unsupported Media Type: expected application/json, got text/plain", text.text());
        RawResponse none = send(server, post("/pets", null, "{\"name\":\"Rex\",\"age\":3}"));
        assertEquals(415, none.status(), none.head());
    }

    @ParameterizedTest
    @MethodSource("servers")
    void aChunkedBodyPastTheLimitIs413NotA400(String server) throws IOException {
        // valid JSON all the way, so only the limit can stop it: the parser is mid-document when it trips
        StringBuilder chunks = new StringBuilder();
        String item = "{\"name\":\"pet\",\"age\":1},";
        String first = "[" + item.repeat(20);
        chunks.append(Integer.toHexString(first.length())).append("\r\n").append(first).append("\r\n");
        String more = item.repeat(20);
        for (int sent = first.length(); sent <= 2 * MAX_BODY; sent += more.length()) {
            chunks.append(Integer.toHexString(more.length())).append("\r\n").append(more).append("\r\n");
        }
        String last = "{\"name\":\"pet\",\"age\":1}]";
        chunks.append(Integer.toHexString(last.length())).append("\r\n").append(last).append("\r\n0\r\n\r\n");
        String request = "POST /pets/batch HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + chunks;
        try (RawClient client = RawClient.connect(servers.get(server).port()).timeout(Duration.ofSeconds(5))) {
            RawResponse response = client.send(request).readFinal();
            assertEquals(413, response.status(), response.head() + response.text());
            assertTrue(response.saysClose() || client.closedWithin(Duration.ofSeconds(2)), "closed after a 413");
            assertNoInternals(response);
        }
    }

    @ParameterizedTest
    @MethodSource("servers")
    void aChunkedStringPastTheLimitIs413(String server) throws IOException {
        // one long name: the limit trips while the record's deserializer reads it, where Jackson wraps it
        String body = "{\"name\":\"" + "x".repeat(2 * MAX_BODY) + "\",\"age\":1}";
        StringBuilder chunks = new StringBuilder();
        for (int at = 0; at < body.length(); at += 1000) {
            String chunk = body.substring(at, Math.min(body.length(), at + 1000));
            chunks.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        String request = "POST /pets HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + chunks + "0\r\n\r\n";
        RawResponse response = send(server, request);
        assertEquals(413, response.status(), response.head() + response.text());
        assertNoInternals(response);
    }

    @ParameterizedTest
    @MethodSource("servers")
    void aChunkedBodyWithinTheLimitIsRead(String server) throws IOException {
        String body = "[{\"name\":\"a\",\"age\":1},{\"name\":\"b\",\"age\":2},{\"name\":\"c\",\"age\":3}]";
        String request = "POST /pets/batch HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n"
                + "10\r\n" + body.substring(0, 16) + "\r\n"
                + Integer.toHexString(body.length() - 16) + "\r\n" + body.substring(16) + "\r\n0\r\n\r\n";
        RawResponse response = send(server, request);
        assertEquals(200, response.status(), response.head());
        assertEquals("{\"received\":3}", response.text());
    }
}
