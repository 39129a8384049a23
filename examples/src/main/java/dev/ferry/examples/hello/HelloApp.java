package dev.ferry.examples.hello;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.Body;
import dev.ferry.Handler;
import dev.ferry.Response;
import dev.ferry.routing.Router;
import dev.ferry.server.Ferry;

/** The hello example: the app the README runs, on whichever server the class path and settings choose. */
public final class HelloApp {

    /** The JSON document of {@code /json}. */
    public record Message(String message) {
    }

    /**
     * Jackson's first mapper takes hundreds of milliseconds to set up: made on the first /json request,
     * not at start. Its default buffer pool is per thread, which a virtual thread per request never
     * reuses (about 9 KB of new buffers per request); a shared pool serves every thread.
     */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper(
                JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build());
    }

    private HelloApp() {
    }

    /** Returns the app's routes. */
    public static Handler app() {
        return Router.builder()
                .get("/", request -> Response.text("Hello, World!"))
                .get("/plaintext", request -> Response.text("Hello, World!"))
                .get("/json", request -> Response.json(Json.MAPPER.writeValueAsString(new Message("Hello, World!"))))
                .get("/hello/{name}", request -> Response.text("Hello, " + request.pathParam("name") + "!"))
                .post("/echo", request -> Response.ok()
                        .withContentType(request.header("Content-Type").orElse("application/octet-stream"))
                        .withBody(Body.of(request.body().stream(), request.body().length())))
                .get("/boom", request -> {
                    throw new IllegalStateException("boom: this handler always fails");
                })
                .build();
    }

    /** Serves the hello example. */
    public static void main(String[] args) {
        Ferry.serve("hello", app());
    }
}
