package dev.ferry.examples.events;

import dev.ferry.Compression;
import dev.ferry.Cors;
import dev.ferry.Handler;
import dev.ferry.Response;
import dev.ferry.Sse;
import dev.ferry.routing.Router;
import dev.ferry.server.Ferry;
import java.time.Duration;
import java.time.Instant;

/**
 * The events example: a clock streamed as server-sent events to pages of one other origin, with CORS and
 * gzip in front of the routes.
 */
public final class EventsApp {

    private EventsApp() {
    }

    /** Returns the app: {@code GET /clock} streams the time every second, {@code GET /report} is a large JSON document. */
    public static Handler app(String allowedOrigin, Duration tick) {
        Router router = Router.builder()
                .get("/clock", request -> Sse.stream(request, Duration.ofSeconds(15), events -> {
                    long id = events.lastEventId().map(EventsApp::parseId).orElse(0L);
                    while (events.isOpen()) {
                        id++;
                        events.send(Sse.event().id(Long.toString(id)).name("tick").data(Instant.now().toString()));
                        events.awaitClose(tick);
                    }
                }))
                .get("/report", request -> Response.json("[" + "{\"metric\":\"requests\",\"value\":42},".repeat(200) + "{}]"))
                .build();
        return Cors.builder()
                .allowOrigins(allowedOrigin)
                .allowMethods("GET")
                .allowCredentials(true)
                .maxAge(Duration.ofHours(1))
                .build()
                .then(Compression.gzip())
                .then(router);
    }

    private static long parseId(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Serves the events example to pages of {@code http://localhost:3000}. */
    public static void main(String[] args) {
        Ferry.serve("events", app("http://localhost:3000", Duration.ofSeconds(1)));
    }
}
