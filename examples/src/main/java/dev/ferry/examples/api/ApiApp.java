package dev.ferry.examples.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.Attribute;
import dev.ferry.ErrorRenderer;
import dev.ferry.Errors;
import dev.ferry.Filter;
import dev.ferry.Handler;
import dev.ferry.HttpException;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.routing.Router;
import dev.ferry.server.Ferry;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A small JSON API: a filter that tags every response with {@code X-Request-Id}, one that passes the
 * caller to the handlers as a request attribute, exception mappings, and JSON errors, all of which
 * the request-id filter sees.
 */
public final class ApiApp {

    /** A user of the API. */
    public record User(String name, String email) {
    }

    /** The caller, as the authentication filter found it. */
    public record Caller(String name) {
    }

    /** The key under which the authentication filter passes the caller on. */
    public static final Attribute<Caller> CALLER = Attribute.named("caller", Caller.class);

    private static final ObjectMapper JSON = new ObjectMapper();

    private ApiApp() {
    }

    /** Tags every response, errors included, with the request's id, taken from the client or made up. */
    static final Filter REQUEST_ID = next -> request -> {
        String id = request.header("X-Request-Id").orElseGet(() -> UUID.randomUUID().toString());
        return next.handle(request).withHeader("X-Request-Id", id);
    };

    /** Passes the caller named by {@code Authorization: Bearer NAME} on; writes need one. */
    static final Filter AUTHENTICATE = next -> request -> {
        String authorization = request.header("Authorization").orElse("");
        if (authorization.startsWith("Bearer ") && authorization.length() > 7) {
            return next.handle(request.with(CALLER, new Caller(authorization.substring(7))));
        }
        return next.handle(request);
    };

    /** Returns the app, keeping its users in this map. */
    public static Handler app(Map<String, User> users) {
        Router routes = Router.builder()
                .get("/users/{id}", request -> {
                    User user = users.get(request.pathParam("id"));
                    if (user == null) {
                        throw new NoSuchElementException("no user " + request.pathParam("id"));
                    }
                    return Response.json(JSON.writeValueAsString(user));
                })
                .put("/users/{id}", request -> {
                    Caller caller = request.attribute(CALLER)
                            .orElseThrow(() -> new HttpException(Status.UNAUTHORIZED, "Sign in to change users"));
                    User user = JSON.readValue(request.body().stream(), User.class);
                    users.put(request.pathParam("id"), user);
                    return Response.json(JSON.writeValueAsString(Map.of("updatedBy", caller.name())));
                })
                .build();
        Errors errors = Errors.builder()
                .map(NoSuchElementException.class, (e, request) -> Errors.render(request, Status.NOT_FOUND, e.getMessage()))
                .map(JsonProcessingException.class, (e, request) -> Errors.render(request, Status.BAD_REQUEST, "Malformed JSON"))
                .renderer(ErrorRenderer.json())
                .build();
        return REQUEST_ID.then(errors).then(AUTHENTICATE).then(routes);
    }

    /** Serves the API example. */
    public static void main(String[] args) {
        Ferry.serve("api", app(new ConcurrentHashMap<>(Map.of("1", new User("Ada", "ada@example.com")))));
    }
}
