package dev.ferry.bench.raw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.sun.net.httpserver.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The baseline serves exactly the hello example's bytes. */
class RawJdkServerTest {

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void servesTheHelloExamplesBytes(boolean virtualThreads) throws Exception {
        HttpServer server = RawJdkServer.start("127.0.0.1", 0, virtualThreads);
        try {
            HttpClient client = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            HttpResponse<String> plain = client.send(HttpRequest.newBuilder(URI.create(base + "/plaintext")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, plain.statusCode());
            assertEquals("Hello, World!", plain.body());
            assertEquals("text/plain; charset=utf-8", plain.headers().firstValue("Content-Type").orElseThrow());
            assertEquals("13", plain.headers().firstValue("Content-Length").orElseThrow());
            assertFalse(plain.headers().firstValue("Server").isPresent());
            HttpResponse<String> json = client.send(HttpRequest.newBuilder(URI.create(base + "/json")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, json.statusCode());
            assertEquals("{\"message\":\"Hello, World!\"}", json.body());
            assertEquals("application/json", json.headers().firstValue("Content-Type").orElseThrow());
        } finally {
            server.stop(0);
        }
    }
}
