package dev.ferry.undertow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.Handler;
import dev.ferry.Response;
import dev.ferry.routing.Router;
import dev.ferry.server.Ferry;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** With this adapter the only server on the class path, an unchanged app runs on Undertow through Ferry.serve. */
class FerryServeTest {

    /** The hello example's routes, as an app that knows nothing about servers writes them. */
    static Handler hello() {
        return Router.builder()
                .get("/plaintext", request -> Response.text("Hello, World!"))
                .get("/json", request -> Response.json("{\"message\":\"Hello, World!\"}"))
                .build();
    }

    @Test
    void selectsUndertowWithoutBeingAsked() {
        assertInstanceOf(UndertowServerProvider.class, Ferry.select(Ferry.installed(), Optional.empty()));
    }

    @Test
    void servesTheAppOnUndertow() throws Exception {
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).build();
        try (Server server = Ferry.serve("hello", hello(), config)) {
            assertEquals("undertow", server.name());
            HttpURLConnection text = get(Ferry.url(server) + "plaintext");
            assertEquals(200, text.getResponseCode());
            assertEquals("Hello, World!", body(text));
            assertEquals("text/plain; charset=utf-8", text.getHeaderField("Content-Type"));
            HttpURLConnection json = get(Ferry.url(server) + "json");
            assertEquals("{\"message\":\"Hello, World!\"}", body(json));
            assertTrue(json.getHeaderField("Date") != null);
            server.stop(Duration.ofSeconds(1));
        }
    }

    private static HttpURLConnection get(String url) throws IOException {
        return (HttpURLConnection) URI.create(url).toURL().openConnection();
    }

    private static String body(HttpURLConnection connection) throws IOException {
        try (InputStream in = connection.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
