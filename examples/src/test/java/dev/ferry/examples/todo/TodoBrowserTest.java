package dev.ferry.examples.todo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.Server;
import dev.ferry.spi.ServerProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The todo page in headless Chromium on every server: a todo typed into the form and added with the
 * Enter key shows up once the server announces it over Server-Sent Events (the page draws the list
 * only from events), so does a todo another client adds, and ticking one off with the mouse comes back
 * the same way. The page must log no error.
 */
class TodoBrowserTest {

    private static String chromium;

    @BeforeAll
    static void findChromium() {
        chromium = Chromium.installed();
    }

    static java.util.stream.Stream<ServerProvider> servers() {
        return TodoServersTest.servers();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void addATodoWithTheFormAndSeeItArriveLive(ServerProvider provider, @TempDir Path files) throws Exception {
        assumeTrue(chromium != null, "no chromium on the path (apt-get install -y chromium); the page is not checked");
        try (Server server = TodoServersTest.start(provider, files);
                Chromium browser = Chromium.open(chromium, URI.create("http://127.0.0.1:" + server.port() + "/"))) {
            browser.await("document.body.dataset.live", value -> value.asText().equals("yes"), Duration.ofSeconds(20));
            browser.evaluate("document.getElementById('title').focus()");
            browser.type("Buy milk");
            browser.pressEnter();
            String titles = "[...document.querySelectorAll('#todos li')].map(li => li.dataset.title)";
            browser.await(titles, value -> value.size() == 1 && value.get(0).asText().equals("Buy milk"), Duration.ofSeconds(10));
            assertEquals("", browser.evaluate("document.getElementById('title').value").asText(), "the form was reset");

            HttpResponse<String> other = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/api/todos"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"From another client\"}"))
                    .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, other.statusCode(), other.body());
            JsonNode both = browser.await(titles, value -> value.size() == 2, Duration.ofSeconds(10));
            assertEquals("From another client", both.get(1).asText());

            browser.click("#todos li:first-child input[type=checkbox]");
            browser.await("document.querySelector('#todos li:first-child').className",
                    value -> value.asText().equals("done"), Duration.ofSeconds(10));
            assertEquals(List.of(), browser.errors(), "errors the page logged");
        }
    }
}
