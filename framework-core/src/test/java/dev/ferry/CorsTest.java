package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.routing.Router;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CorsTest {

    private final AtomicInteger reached = new AtomicInteger();
    private final Router router = Router.builder()
            .get("/items", request -> {
                reached.incrementAndGet();
                return Response.text("items").withHeader("X-Total", "3");
            })
            .post("/items", request -> Response.text("created"))
            .options("/custom", request -> {
                reached.incrementAndGet();
                return Response.text("custom options");
            })
            .build();

    private final Cors cors = Cors.builder()
            .allowOrigins("https://App.Example:443", "http://localhost:8080")
            .allowMethods("GET", "POST", "DELETE")
            .allowHeaders("Content-Type", "X-Token")
            .exposeHeaders("X-Total")
            .allowCredentials(true)
            .maxAge(Duration.ofMinutes(10))
            .build();
    private final TestClient client = TestClient.of(cors.then(router));

    private Response send(Method method, String target, String... headers) {
        return client.send(Request.builder().method(method).target(target).headers(Headers.of(headers)));
    }

    private static String header(Response response, String name) {
        return response.headers().firstOrNull(name);
    }

    @Test
    void allowedPreflightIs204WithTheAllowHeadersAndNeverReachesTheApp() {
        Response response = send(Method.OPTIONS, "/custom", "Origin", "https://app.example",
                "Access-Control-Request-Method", "DELETE", "Access-Control-Request-Headers", "x-token, Content-Type");
        assertEquals(204, response.status().code());
        assertEquals("https://app.example", header(response, "Access-Control-Allow-Origin"));
        assertEquals("GET, POST, DELETE", header(response, "Access-Control-Allow-Methods"));
        assertEquals("x-token, content-type", header(response, "Access-Control-Allow-Headers"));
        assertEquals("true", header(response, "Access-Control-Allow-Credentials"));
        assertEquals("600", header(response, "Access-Control-Max-Age"));
        assertEquals("Origin, Access-Control-Request-Method, Access-Control-Request-Headers", header(response, "Vary"));
        assertEquals(0, reached.get());
    }

    @Test
    void preflightForAnUnroutedPathIsAnsweredToo() {
        Response response = send(Method.OPTIONS, "/nowhere", "Origin", "http://localhost:8080",
                "Access-Control-Request-Method", "POST");
        assertEquals(204, response.status().code());
        assertEquals("http://localhost:8080", header(response, "Access-Control-Allow-Origin"));
        assertNull(header(response, "Access-Control-Allow-Headers"));
    }

    @Test
    void refusedPreflightsGet403WithoutCorsHeaders() {
        String[][] cases = {
                {"Origin", "https://evil.example", "Access-Control-Request-Method", "GET"},
                {"Origin", "https://app.example", "Access-Control-Request-Method", "PUT"},
                {"Origin", "https://app.example", "Access-Control-Request-Method", "delete"},
                {"Origin", "https://app.example", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "x-other"},
                {"Origin", "https://app.example", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "x-token, bad header"},
                {"Origin", "https://app.example", "Access-Control-Request-Method", ""},
                {"Origin", "null", "Access-Control-Request-Method", "GET"},
                {"Origin", "https://app.example.evil", "Access-Control-Request-Method", "GET"},
                {"Origin", "https://app.example:8443", "Access-Control-Request-Method", "GET"},
                {"Origin", "http://app.example", "Access-Control-Request-Method", "GET"},
        };
        for (String[] headers : cases) {
            Response response = send(Method.OPTIONS, "/custom", headers);
            assertEquals(403, response.status().code(), String.join(" ", headers));
            response.headers().forEach((name, value) -> assertFalse(name.startsWith("Access-Control"), name));
            assertTrue(header(response, "Vary").contains("Origin"));
        }
        assertEquals(0, reached.get());
    }

    @Test
    void originsCompareExactlyAsBrowsersSerializeThem() {
        assertTrue(cors.allowed("https://app.example"));
        assertFalse(cors.allowed("https://APP.example"), "browsers send lower case; nothing else is an origin they send");
        assertFalse(cors.allowed("https://app.example:443"), "browsers omit the default port");
        assertFalse(cors.allowed("https://app.example/"));
        assertFalse(cors.allowed("null"));
        assertTrue(cors.allowed("http://localhost:8080"));
        assertFalse(cors.allowed("http://localhost"));
    }

    @Test
    void configuredOriginsAreNormalizedOrRefused() {
        assertEquals("https://app.example", Cors.normalize("HTTPS://App.Example:443"));
        assertEquals("http://app.example:8080", Cors.normalize("http://app.example:08080"));
        assertEquals("http://[::1]:3000", Cors.normalize("http://[::1]:3000"));
        assertEquals("null", Cors.normalize("null"));
        for (String bad : new String[] {"app.example", "https://app.example/", "https://app.example/path",
                "https://user@app.example", "https://*.example", "https://app.example:99999", "https://ex\u00e4mple.de",
                "https://", "1http://x"}) {
            assertThrows(IllegalArgumentException.class, () -> Cors.normalize(bad), bad);
        }
        assertThrows(IllegalStateException.class, () -> Cors.builder().build());
        assertThrows(IllegalStateException.class,
                () -> Cors.builder().allowOrigins("*").allowCredentials(true).exposeHeaders("*").build());
    }

    @Test
    void actualRequestsGetTheOriginEchoedWithCredentialsAndExposedHeaders() {
        Response response = send(Method.GET, "/items", "Origin", "https://app.example");
        assertEquals(200, response.status().code());
        assertEquals("https://app.example", header(response, "Access-Control-Allow-Origin"));
        assertEquals("true", header(response, "Access-Control-Allow-Credentials"));
        assertEquals("X-Total", header(response, "Access-Control-Expose-Headers"));
        assertEquals("Origin", header(response, "Vary"));
    }

    @Test
    void routerErrorsCarryTheHeadersToo() {
        Response missing = send(Method.GET, "/nowhere", "Origin", "https://app.example");
        assertEquals(404, missing.status().code());
        assertEquals("https://app.example", header(missing, "Access-Control-Allow-Origin"));
        Response notAllowed = send(Method.PUT, "/items", "Origin", "https://app.example");
        assertEquals(405, notAllowed.status().code());
        assertEquals("https://app.example", header(notAllowed, "Access-Control-Allow-Origin"));
        Response options = send(Method.OPTIONS, "/items", "Origin", "https://app.example");
        assertEquals(204, options.status().code(), "a plain OPTIONS is not a preflight: the router answers it");
        assertEquals("GET, HEAD, POST, OPTIONS", header(options, "Allow"));
        assertEquals("https://app.example", header(options, "Access-Control-Allow-Origin"));
    }

    @Test
    void otherOriginsAndNoOriginReachTheAppWithVaryOnly() {
        for (String[] headers : new String[][] {{"Origin", "https://evil.example"}, {}, {"Origin", "null"}}) {
            Response response = send(Method.GET, "/items", headers);
            assertEquals(200, response.status().code());
            assertNull(header(response, "Access-Control-Allow-Origin"));
            assertEquals("Origin", header(response, "Vary"));
        }
        assertEquals(3, reached.get());
    }

    @Test
    void anyOriginWithoutCredentialsIsAStarAndVariesOnNothing() {
        TestClient any = TestClient.of(Cors.builder().allowOrigins("*").build().then(router));
        Response response = any.send(Request.builder().method(Method.GET).target("/items")
                .headers(Headers.of("Origin", "https://whoever.example")));
        assertEquals("*", header(response, "Access-Control-Allow-Origin"));
        assertNull(header(response, "Vary"));
        assertNull(header(response, "Access-Control-Allow-Credentials"));
        Response nullOrigin = any.send(Request.builder().method(Method.GET).target("/items").headers(Headers.of("Origin", "null")));
        assertNull(header(nullOrigin, "Access-Control-Allow-Origin"), "null is refused unless listed");
        Response plain = any.get("/items");
        assertNull(header(plain, "Vary"));
    }

    @Test
    void anyOriginWithCredentialsEchoesTheOriginNeverAStar() {
        TestClient any = TestClient.of(Cors.builder().allowOrigins("*").allowCredentials(true).allowHeaders("*")
                .allowMethods("*").build().then(router));
        Response response = any.send(Request.builder().method(Method.GET).target("/items")
                .headers(Headers.of("Origin", "https://whoever.example")));
        assertEquals("https://whoever.example", header(response, "Access-Control-Allow-Origin"));
        assertEquals("Origin", header(response, "Vary"));
        Response preflight = any.send(Request.builder().method(Method.OPTIONS).target("/items").headers(Headers.of(
                "Origin", "https://whoever.example", "Access-Control-Request-Method", "PATCH",
                "Access-Control-Request-Headers", "x-anything")));
        assertEquals(204, preflight.status().code());
        assertEquals("https://whoever.example", header(preflight, "Access-Control-Allow-Origin"));
        assertEquals("PATCH", header(preflight, "Access-Control-Allow-Methods"));
        assertEquals("x-anything", header(preflight, "Access-Control-Allow-Headers"));
    }

    @Test
    void nullOriginListedExplicitlyIsAllowed() {
        TestClient sandboxed = TestClient.of(Cors.builder().allowOrigins("null").build().then(router));
        Response response = sandboxed.send(Request.builder().method(Method.GET).target("/items").headers(Headers.of("Origin", "null")));
        assertEquals("null", header(response, "Access-Control-Allow-Origin"));
        TestClient anyAndNull = TestClient.of(Cors.builder().allowOrigins("*", "null").build().then(router));
        Response echoed = anyAndNull.send(Request.builder().method(Method.GET).target("/items").headers(Headers.of("Origin", "null")));
        assertEquals("null", header(echoed, "Access-Control-Allow-Origin"));
        assertEquals("Origin", header(echoed, "Vary"), "an echoed origin always varies");
        Response star = anyAndNull.send(Request.builder().method(Method.GET).target("/items")
                .headers(Headers.of("Origin", "https://x.example")));
        assertEquals("*", header(star, "Access-Control-Allow-Origin"));
    }

    @Test
    void repeatedOriginHeadersAreRefused() {
        Response response = client.send(Request.builder().method(Method.GET).target("/items")
                .headers(Headers.of("Origin", "https://app.example", "Origin", "https://app.example")));
        assertNull(header(response, "Access-Control-Allow-Origin"));
    }

    @Test
    void existingVaryIsKept() {
        TestClient varied = TestClient.of(cors.then((Handler) request -> Response.text("x").withHeader("Vary", "Accept")));
        Response response = varied.send(Request.builder().method(Method.GET).target("/").headers(Headers.of("Origin", "https://app.example")));
        assertEquals("Accept, Origin", header(response, "Vary"));
    }
}
