package dev.ferry.examples.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.Headers;
import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.TestClient;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class EventsAppTest {

    private final TestClient client = TestClient.of(EventsApp.app("http://localhost:3000", Duration.ofMillis(1)));

    @Test
    void theReportIsGzippedForTheAllowedOrigin() throws Exception {
        Response response = client.send(Request.builder().method(Method.GET).target("/report")
                .headers(Headers.of("Origin", "http://localhost:3000", "Accept-Encoding", "gzip")));
        assertEquals("http://localhost:3000", response.headers().firstOrNull("Access-Control-Allow-Origin"));
        assertEquals("gzip", response.headers().firstOrNull("Content-Encoding"));
        String json = new String(new GZIPInputStream(new ByteArrayInputStream(response.body().bytes())).readAllBytes());
        assertTrue(json.startsWith("[{\"metric\":\"requests\""), json);
    }

    @Test
    void theClockResumesAfterTheLastEventId() throws Exception {
        Request request = Request.builder().method(Method.GET).target("/clock")
                .headers(Headers.of("Last-Event-ID", "41")).build();
        Response response = EventsApp.app("http://localhost:3000", Duration.ofMillis(1)).handle(request);
        assertEquals("text/event-stream", response.headers().firstOrNull("Content-Type"));
        java.io.OutputStream firstEventOnly = new java.io.OutputStream() {
            private final StringBuilder seen = new StringBuilder();

            @Override
            public void write(int b) throws java.io.IOException {
                seen.append((char) b);
                if (seen.toString().endsWith("\n\n")) {
                    assertTrue(seen.toString().startsWith("id: 42\nevent: tick\ndata: "), seen.toString());
                    throw new java.io.IOException("the client leaves after one event");
                }
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws java.io.IOException {
                for (int i = 0; i < length; i++) {
                    write(bytes[offset + i]);
                }
            }
        };
        try {
            response.body().writeTo(firstEventOnly);
        } catch (java.io.IOException expected) {
            assertEquals("the client leaves after one event", expected.getCause() != null
                    ? expected.getCause().getMessage() : expected.getMessage());
        }
    }
}
