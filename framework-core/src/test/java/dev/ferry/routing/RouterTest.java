package dev.ferry.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.TestClient;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RouterTest {

    private static Response echo(Request request) {
        return Response.text(request.method() + " " + request.contextPath() + "|" + request.path() + " " + request.pathParams());
    }

    private final Router router = Router.builder()
            .get("/", RouterTest::echo)
            .get("/users", RouterTest::echo)
            .post("/users", RouterTest::echo)
            .get("/users/new", RouterTest::echo)
            .get("/users/{id}", RouterTest::echo)
            .delete("/users/{id}", RouterTest::echo)
            .get("/users/{id}/posts/{post}", RouterTest::echo)
            .get("/users/new/edit-later/{x}", RouterTest::echo)
            .get("/files/{path...}", RouterTest::echo)
            .get("/static/*", RouterTest::echo)
            .get("/slash/", RouterTest::echo)
            .route(Method.of("PURGE"), "/cache", RouterTest::echo)
            .mount("/admin", Router.builder()
                    .get("/", RouterTest::echo)
                    .get("/stats/{what}", RouterTest::echo)
                    .build())
            .build();

    private final TestClient client = TestClient.of(router);

    private String body(String target) throws Exception {
        Response response = client.get(target);
        assertEquals(200, response.status().code(), target);
        return response.body().text();
    }

    @Test
    void literalAndParameterRoutes() throws Exception {
        assertEquals("GET |/ {}", body("/"));
        assertEquals("GET |/users {}", body("/users"));
        assertEquals("GET |/users/new {}", body("/users/new"));
        assertEquals("GET |/users/42 {id=42}", body("/users/42"));
        assertEquals("GET |/users/7/posts/x {id=7, post=x}", body("/users/7/posts/x"));
    }

    @Test
    void parametersAreDecodedPerSegment() throws Exception {
        assertEquals("GET |/users/a/b {id=a/b}", body("/users/a%2Fb"));
        assertEquals("GET |/users/Jürgen {id=Jürgen}", body("/users/J%C3%BCrgen"));
        assertEquals("GET |/users/a+b {id=a+b}", body("/users/a+b"));
    }

    @Test
    void literalLosesToParameterWhenTheRestDoesNotMatch() throws Exception {
        assertEquals("GET |/users/new/posts/1 {id=new, post=1}", body("/users/new/posts/1"));
    }

    @Test
    void tailWildcards() throws Exception {
        assertEquals("GET |/files/a/b/c.txt {path=a/b/c.txt}", body("/files/a/b/c.txt"));
        assertEquals("GET |/files/ {path=}", body("/files/"));
        assertEquals(404, client.get("/files").status().code());
        assertEquals("GET |/static/x/y {*=x/y}", body("/static/x/y"));
    }

    @Test
    void trailingSlashIsSignificant() throws Exception {
        assertEquals(404, client.get("/users/").status().code());
        assertEquals(404, client.get("/slash").status().code());
        assertEquals("GET |/slash/ {}", body("/slash/"));
        assertEquals(400, client.get("/users//posts/x").status().code());
    }

    @Test
    void unknownPathsAre404() throws Exception {
        Response response = client.get("/nope");
        assertEquals(Status.NOT_FOUND, response.status());
        assertEquals("Not Found", response.body().text());
    }

    @Test
    void otherMethodsAre405WithAllow() {
        Response response = client.send(Method.PUT, "/users/1");
        assertEquals(405, response.status().code());
        assertEquals(Optional.of("GET, HEAD, DELETE, OPTIONS"), response.headers().first("Allow"));
        assertEquals(Optional.of("GET, HEAD, POST, OPTIONS"), client.send(Method.PATCH, "/users").headers().first("allow"));
    }

    @Test
    void unknownMethodsAre501UnlessRouted() throws Exception {
        assertEquals(501, client.send(Method.of("BREW"), "/users").status().code());
        Response purge = client.send(Method.of("PURGE"), "/cache");
        assertEquals(200, purge.status().code());
        assertEquals("PURGE |/cache {}", purge.body().text());
    }

    @Test
    void headIsAnsweredByGetWithoutABody() {
        Response response = client.send(Method.HEAD, "/users/1");
        assertEquals(200, response.status().code());
        assertEquals(0, response.body().length());
        assertEquals(Optional.of(Long.toString("HEAD |/users/1 {id=1}".length())), response.headers().first("Content-Length"));
    }

    @Test
    void optionsListsTheAllowedMethods() {
        Response response = client.send(Method.OPTIONS, "/users");
        assertEquals(204, response.status().code());
        assertEquals(Optional.of("GET, HEAD, POST, OPTIONS"), response.headers().first("Allow"));
        assertEquals(404, client.send(Method.OPTIONS, "/none").status().code());
    }

    @Test
    void mountedAppsSeeTheirOwnPath() throws Exception {
        assertEquals("GET /admin|/ {}", body("/admin"));
        assertEquals("GET /admin|/ {}", body("/admin/"));
        assertEquals("GET /admin|/stats/cpu {what=cpu}", body("/admin/stats/cpu"));
        assertEquals(404, client.get("/admin/other").status().code());
        assertEquals(404, client.get("/administrator").status().code());
    }

    @Test
    void nestedMountsAccumulateTheContextPath() throws Exception {
        Router inner = Router.builder().get("/{x}", RouterTest::echo).build();
        Router middle = Router.builder().mount("/b", inner).build();
        Router outer = Router.builder().mount("/a", middle).build();
        assertEquals("GET /a/b|/z {x=z}", TestClient.of(outer).get("/a/b/z").body().text());
    }

    @Test
    void badPatternsAndDuplicatesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Router.builder().get("nope", RouterTest::echo));
        assertThrows(IllegalArgumentException.class, () -> Router.builder().get("/a/{x}-y", RouterTest::echo));
        assertThrows(IllegalArgumentException.class, () -> Router.builder().get("/{x}/{x}", RouterTest::echo));
        assertThrows(IllegalArgumentException.class, () -> Router.builder().get("/*/a", RouterTest::echo));
        assertThrows(IllegalArgumentException.class, () -> Router.builder().mount("/", RouterTest::echo));
        assertThrows(IllegalStateException.class,
                () -> Router.builder().get("/a", RouterTest::echo).get("/a", RouterTest::echo));
        Router.Builder builder = Router.builder();
        builder.build();
        assertThrows(IllegalStateException.class, () -> builder.get("/", RouterTest::echo));
    }

    @Test
    void manyRoutesStillResolve() throws Exception {
        Router.Builder builder = Router.builder();
        for (int i = 0; i < 1000; i++) {
            builder.get("/r" + i + "/{id}", RouterTest::echo);
        }
        TestClient many = TestClient.of(builder.build());
        assertEquals("GET |/r999/x {id=x}", many.get("/r999/x").body().text());
    }
}
