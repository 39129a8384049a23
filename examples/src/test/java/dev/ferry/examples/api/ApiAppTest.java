package dev.ferry.examples.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.Body;
import dev.ferry.Headers;
import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.TestClient;
import dev.ferry.server.ServerConfig;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class ApiAppTest {

    private final Map<String, ApiApp.User> users = new ConcurrentHashMap<>(Map.of("1", new ApiApp.User("Ada", "ada@example.com")));
    private final TestClient client = TestClient.of(ApiApp.app(users), ServerConfig.builder().maxRequestBody(200).build());

    private Response put(String target, String json, String... headers) {
        return client.send(Request.builder().method(Method.PUT).target(target)
                .headers(Headers.of(headers).with("Content-Type", "application/json")).body(Body.of(json)));
    }

    @Test
    void readsAUser() throws Exception {
        Response response = client.json(Method.GET, "/users/1");
        assertEquals(200, response.status().code());
        assertEquals("{\"name\":\"Ada\",\"email\":\"ada@example.com\"}", response.body().text());
        assertTrue(response.headers().contains("X-Request-Id"));
    }

    @Test
    void everyErrorIsJsonAndTagged() throws Exception {
        Response missing = client.get("/users/2");
        assertEquals(404, missing.status().code());
        assertEquals("{\"status\":404,\"error\":\"Not Found\",\"message\":\"no user 2\"}", missing.body().text());
        assertTrue(missing.headers().contains("X-Request-Id"));
        Response nowhere = client.get("/nowhere");
        assertEquals("{\"status\":404,\"error\":\"Not Found\",\"message\":\"Not Found\"}", nowhere.body().text());
        assertTrue(nowhere.headers().contains("X-Request-Id"));
        Response wrong = client.delete("/users/1");
        assertEquals(405, wrong.status().code());
        assertTrue(wrong.headers().contains("X-Request-Id"));
        Response anonymous = put("/users/1", "{\"name\":\"Bob\",\"email\":\"bob@example.com\"}");
        assertEquals(401, anonymous.status().code());
        assertEquals("{\"status\":401,\"error\":\"Unauthorized\",\"message\":\"Sign in to change users\"}",
                anonymous.body().text());
    }

    @Test
    void theCallerReachesTheHandlerAsAnAttribute() throws Exception {
        Response response = put("/users/2", "{\"name\":\"Bob\",\"email\":\"bob@example.com\"}", "Authorization", "Bearer ada");
        assertEquals(200, response.status().code());
        assertEquals("{\"updatedBy\":\"ada\"}", response.body().text());
        assertEquals(new ApiApp.User("Bob", "bob@example.com"), users.get("2"));
    }

    @Test
    void malformedJsonIs400() throws Exception {
        Response response = put("/users/2", "{\"name\":", "Authorization", "Bearer ada");
        assertEquals(400, response.status().code());
        assertEquals("{\"status\":400,\"error\":\"Bad Request\",\"message\":\"Malformed JSON\"}", response.body().text());
    }

    @Test
    void aBodyOverTheLimitIs413ThoughJacksonReadsIt() throws Exception {
        // no Content-Length: the body streams in until the limit, inside Jackson's parser
        String big = "{\"name\":\"" + "x".repeat(1000) + "\",\"email\":\"e\"}";
        Response response = client.send(Request.builder().method(Method.PUT).target("/users/2")
                .headers(Headers.of("Content-Type", "application/json", "Authorization", "Bearer ada", "X-Request-Id", "r-9"))
                .body(Body.of(new java.io.ByteArrayInputStream(big.getBytes()))));
        assertEquals(413, response.status().code());
        assertEquals(Optional.of("r-9"), response.headers().first("X-Request-Id"));
        assertEquals(Optional.of("application/json"), response.headers().first("Content-Type"));
    }
}
