package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.routing.Router;
import dev.ferry.server.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ErrorsTest {

    /** Adds X-Request-Id to whatever comes back, as a user's filter would. */
    static final Filter REQUEST_ID = next -> request -> next.handle(request).withHeader("X-Request-Id", "r-1");

    static final Router ROUTER = Router.builder()
            .get("/ok", request -> Response.text("ok"))
            .get("/teapot", request -> {
                throw new HttpException(Status.of(418), "short and stout");
            })
            .get("/boom", request -> {
                throw new IllegalStateException("secret detail");
            })
            .get("/missing", request -> {
                throw new NoSuchElementException("user 7");
            })
            .post("/read", request -> {
                try {
                    return Response.text(request.body().text());
                } catch (IOException | RuntimeException e) {
                    // as a JSON parser wraps what its stream throws
                    throw new IllegalArgumentException("cannot parse", new UncheckedIOException(new IOException(e)));
                }
            })
            .post("/form", request -> Response.text(Parameters.form(request).toString()))
            .build();

    @Test
    void filtersSeeTheRoutersErrorsAndAHandlersExceptionsAsResponses() throws Exception {
        TestClient client = TestClient.of(REQUEST_ID.then(ROUTER));
        for (String target : new String[] {"/nowhere", "/teapot", "/boom", "/missing", "/%zz"}) {
            Response response = client.get(target);
            if (target.equals("/%zz")) {
                // a target that cannot be parsed never reaches the app
                assertEquals(400, response.status().code());
                continue;
            }
            assertEquals(Optional.of("r-1"), response.headers().first("X-Request-Id"), target);
        }
        assertEquals(404, client.get("/nowhere").status().code());
        assertEquals(418, client.get("/teapot").status().code());
        assertEquals("short and stout", client.get("/teapot").body().text());
        Response boom = client.get("/boom");
        assertEquals(500, boom.status().code());
        assertEquals("Internal Server Error", boom.body().text());
        Response wrong = client.send(Method.DELETE, "/ok");
        assertEquals(405, wrong.status().code());
        assertEquals(Optional.of("r-1"), wrong.headers().first("X-Request-Id"));
        assertEquals(Optional.of("GET, HEAD, OPTIONS"), wrong.headers().first("Allow"));
        Response unsupported = client.send(Request.builder().method(Method.POST).target("/form")
                .headers(Headers.of("Content-Type", "text/plain")).body(Body.of("a=1")));
        assertEquals(415, unsupported.status().code());
        assertEquals(Optional.of("r-1"), unsupported.headers().first("X-Request-Id"));
    }

    @Test
    void aFilterInFrontOfAnotherSeesWhatTheInnerFilterThrows() throws Exception {
        Filter auth = next -> request -> {
            if (request.header("Authorization").isEmpty()) {
                throw new HttpException(Status.UNAUTHORIZED, "Log in first");
            }
            return next.handle(request);
        };
        Response response = TestClient.of(REQUEST_ID.then(auth).then(ROUTER)).get("/ok");
        assertEquals(401, response.status().code());
        assertEquals(Optional.of("r-1"), response.headers().first("X-Request-Id"));
        assertEquals(401, TestClient.of(REQUEST_ID.then((Handler) request -> {
            throw new HttpException(Status.UNAUTHORIZED);
        })).get("/").status().code());
    }

    @Test
    void aWrapped413StaysA413AndPassesTheFilters() throws Exception {
        ServerConfig config = ServerConfig.builder().maxRequestBody(10).build();
        Response response = TestClient.of(REQUEST_ID.then(ROUTER), config).send(Request.builder().method(Method.POST)
                .target("/read").body(Body.of(new java.io.ByteArrayInputStream(new byte[100]))));
        assertEquals(413, response.status().code());
        assertEquals(Optional.of("r-1"), response.headers().first("X-Request-Id"));
        assertEquals(Optional.of("close"), response.headers().first("Connection"));
    }

    @Test
    void anAppThatSwallowsTheBodyFailureStillAnswersIt() throws Exception {
        ServerConfig config = ServerConfig.builder().maxRequestBody(10).build();
        Handler swallows = REQUEST_ID.then((Handler) request -> {
            try {
                request.body().bytes();
            } catch (IOException | RuntimeException e) {
                return Response.text("fine");
            }
            return Response.text("fine");
        });
        Response response = TestClient.of(swallows, config).send(Request.builder().method(Method.POST).target("/")
                .body(Body.of(new java.io.ByteArrayInputStream(new byte[100]))));
        assertEquals(413, response.status().code());
    }

    @Test
    void mappingsTurnExceptionTypesIntoResponsesTheFiltersSee() throws Exception {
        Errors errors = Errors.builder()
                .map(NoSuchElementException.class, (e, request) -> Errors.render(request, Status.NOT_FOUND, "No such " + e.getMessage()))
                .map(RuntimeException.class, (e, request) -> Response.text("runtime").withStatus(Status.of(422)))
                .build();
        // installed outermost, its mappings still hold for what the router answers inside the filters
        TestClient client = TestClient.of(errors.then(REQUEST_ID).then(ROUTER));
        Response missing = client.get("/missing");
        assertEquals(404, missing.status().code());
        assertEquals("No such user 7", missing.body().text());
        assertEquals(Optional.of("r-1"), missing.headers().first("X-Request-Id"));
        assertEquals(422, client.get("/boom").status().code());
        // an HttpException keeps its status: a wide mapping never sees one
        assertEquals(418, client.get("/teapot").status().code());
    }

    @Test
    void theCauseChainIsSearchedAndTheClosestMappedTypeWins() throws Exception {
        class Domain extends RuntimeException {
            Domain() {
                super("domain");
            }
        }
        Errors errors = Errors.builder()
                .map(Domain.class, (e, request) -> Response.text("domain").withStatus(Status.CONFLICT))
                .map(Exception.class, (e, request) -> Response.text("any").withStatus(Status.of(502)))
                .build();
        Handler wrapped = errors.then((Handler) request -> {
            throw new RuntimeException(new Domain());
        });
        // the outer exception is covered by Exception, before its cause is looked at
        assertEquals(502, TestClient.of(wrapped).get("/").status().code());
        Handler direct = errors.then((Handler) request -> {
            throw new Domain();
        });
        assertEquals(409, TestClient.of(direct).get("/").status().code());
        Errors narrow = Errors.builder().map(Domain.class, (e, request) -> Response.text("domain").withStatus(Status.CONFLICT)).build();
        assertEquals(409, TestClient.of(narrow.then((Handler) request -> {
            throw new IllegalStateException(new Domain());
        })).get("/").status().code());
    }

    @Test
    void anInnerErrorsAddsToTheOuterOnesMappingsAndMayReplaceTheRenderer() throws Exception {
        Errors outer = Errors.builder()
                .map(IllegalStateException.class, (e, request) -> Errors.render(request, Status.CONFLICT, "outer"))
                .build();
        Errors inner = Errors.builder()
                .map(NoSuchElementException.class, (e, request) -> Errors.render(request, Status.NOT_FOUND, "inner"))
                .renderer(ErrorRenderer.json())
                .build();
        TestClient client = TestClient.of(outer.then(inner).then(ROUTER));
        Response boom = client.get("/boom");
        assertEquals(409, boom.status().code());
        assertEquals("{\"status\":409,\"error\":\"Conflict\",\"message\":\"outer\"}", boom.body().text());
        assertEquals(404, client.get("/missing").status().code());
        assertEquals(Optional.of("application/json"), client.get("/nowhere").headers().first("Content-Type"));
    }

    @Test
    void aFailingMappingIsAGeneric500() throws Exception {
        Errors errors = Errors.builder().map(IllegalStateException.class, (e, request) -> {
            throw new IOException("the mapping broke");
        }).map(NoSuchElementException.class, (e, request) -> null).build();
        TestClient client = TestClient.of(errors.then(ROUTER));
        assertEquals(500, client.get("/boom").status().code());
        assertEquals(500, client.get("/missing").status().code());
        assertThrows(IllegalStateException.class, () -> Errors.builder()
                .map(IOException.class, (e, request) -> Response.ok())
                .map(IOException.class, (e, request) -> Response.ok()));
    }

    @Test
    void errorsAreJsonWhenAcceptPrefersIt() throws Exception {
        TestClient client = TestClient.of(ROUTER);
        Response json = client.json(Method.GET, "/nowhere");
        assertEquals(404, json.status().code());
        assertEquals(Optional.of("application/json"), json.headers().first("Content-Type"));
        assertEquals("{\"status\":404,\"error\":\"Not Found\",\"message\":\"Not Found\"}", json.body().text());
        assertEquals(Optional.of("Accept"), json.headers().first("Vary"));
        assertEquals("{\"status\":500,\"error\":\"Internal Server Error\",\"message\":\"Internal Server Error\"}",
                client.json(Method.GET, "/boom").body().text());
        assertEquals(Optional.of("text/plain; charset=utf-8"), client.get("/nowhere").headers().first("Content-Type"));
    }

    @Test
    void acceptQualitiesDecideTheFormat() throws Exception {
        String[][] cases = {
                {"application/json", "json"},
                {"application/json;q=0.5, text/plain", "text"},
                {"text/plain;q=0.5, application/json", "json"},
                {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text"},
                {"*/*", "text"},
                {"application/*", "json"},
                {"application/json;q=0", "text"},
                {"text/*;q=0.1, */*;q=0.2", "json"},
                {"application/json; q=0.9, text/plain; q=0.91", "text"},
                {"application/json;q=bogus", "text"},
                {"", "text"},
        };
        for (String[] c : cases) {
            Request request = Request.builder().target("/").headers(Headers.of("Accept", c[0])).build();
            String type = ErrorRenderer.standard().render(request, Status.NOT_FOUND, "x").headers().first("Content-Type").orElseThrow();
            assertEquals(c[1].equals("json") ? "application/json" : "text/plain; charset=utf-8", type, c[0]);
        }
    }

    @Test
    void jsonMessagesAreEscaped() throws Exception {
        Response response = ErrorRenderer.json().render(Request.get("/"), Status.BAD_REQUEST,
                "a \"quote\", a \\ backslash,\na line\u0001\u2028 and \ud800 alone");
        assertEquals("{\"status\":400,\"error\":\"Bad Request\",\"message\":\"a \\\"quote\\\", a \\\\ backslash,"
                + "\\na line\\u0001\\u2028 and \\ud800 alone\"}", response.body().text());
        assertEquals("{\"status\":400,\"error\":\"Bad Request\",\"message\":\"caf\u00e9 \ud83d\ude00\"}",
                ErrorRenderer.json().render(Request.get("/"), Status.BAD_REQUEST, "caf\u00e9 \ud83d\ude00").body().text());
    }

    @Test
    void aReplacedRendererRendersEveryErrorOfTheApp() throws Exception {
        ErrorRenderer problem = (request, status, message) -> Response.text("problem " + status.code() + ": " + message)
                .withStatus(status).withContentType("application/problem+json");
        TestClient client = TestClient.of(Errors.builder().renderer(problem).build().then(ROUTER));
        Response missing = client.get("/nowhere");
        assertEquals(404, missing.status().code());
        assertEquals("problem 404: Not Found", missing.body().text());
        assertEquals("problem 500: Internal Server Error", client.get("/boom").body().text());
        assertEquals("problem 418: short and stout", client.get("/teapot").body().text());
        assertEquals(Optional.of("application/problem+json"), client.send(Method.PUT, "/ok").headers().first("Content-Type"));
    }

    @Test
    void theEnginesOwnRefusalsFollowAccept() throws Exception {
        Response response = TestClient.of(ROUTER, ServerConfig.builder().maxRequestBody(4).build())
                .send(Request.builder().method(Method.POST).target("/read").headers(Headers.of("Accept", "application/json"))
                        .body(Body.of("far too long")));
        assertEquals(413, response.status().code());
        assertTrue(response.body().text().startsWith("{\"status\":413,"), response.body().text());
        assertFalse(response.body().text().contains("Exception"));
    }
}
