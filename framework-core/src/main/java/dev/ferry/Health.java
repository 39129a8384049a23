package dev.ferry;

import dev.ferry.routing.Router;

/**
 * Liveness and readiness endpoints for a load balancer or orchestrator:
 * {@code Router.builder().mount("/health", Health.endpoints())} answers {@code GET /health/live} and
 * {@code GET /health/ready} with 200 while the server runs. Once a graceful shutdown begins (a stop, or
 * SIGTERM for an app started with {@link dev.ferry.server.Ferry#serve}), every server answers every new
 * request, these included, with 503 and {@code Connection: close}: readiness turns false at once,
 * while requests in flight finish.
 */
public final class Health {

    private Health() {
    }

    /** Returns a router with {@code GET /live} and {@code GET /ready}, to mount under a prefix. */
    public static Handler endpoints() {
        return Router.builder()
                .get("/live", request -> Response.text("UP"))
                .get("/ready", request -> Response.text("READY"))
                .build();
    }
}
