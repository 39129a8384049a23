package dev.ferry.json;

import dev.ferry.Body;
import dev.ferry.Handler;
import dev.ferry.Headers;
import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.TestClient;
import dev.ferry.routing.Router;
import dev.ferry.server.ServerConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {

    record Pet(String name, int age) {
    }

    record Owner(String name, List<Pet> pets) {
    }

    enum Kind { CAT, DOG }

    record Tagged(Kind kind) {
    }

    record Checked(String name) {
        Checked {
            if (name.isBlank()) {
                throw new dev.ferry.HttpException(422, "Unprocessable Content: name is blank");
            }
        }
    }

    record Strict(int code) {
        Strict {
            if (code < 0) {
                throw new IllegalArgumentException("internal detail: code " + code);
            }
        }
    }

    /** A type Jackson cannot make at all: the app's fault, not the client's. */
    static final class NoCreator {
        private NoCreator(String ignored) {
        }
    }

    private static final Json JSON = Json.create();

    private static Handler app(Json json) {
        return Router.builder()
                .post("/pets", request -> json.response(Status.CREATED, json.read(request, Pet.class)))
                .post("/owners", request -> json.response(json.read(request, Owner.class)))
                .post("/list", request -> {
                    List<Pet> pets = json.read(request, new TypeReference<List<Pet>>() { });
                    return json.response(Map.of("count", pets.size(), "first", pets.getFirst().name()));
                })
                .post("/tagged", request -> json.response(json.read(request, Tagged.class)))
                .post("/checked", request -> json.response(json.read(request, Checked.class)))
                .post("/strict", request -> json.response(json.read(request, Strict.class)))
                .post("/nocreator", request -> json.response(json.read(request, NoCreator.class)))
                .post("/any", request -> json.response(json.read(request, Object.class)))
                .get("/big", request -> json.streamed(bigList(5000)))
                .get("/broken", request -> json.streamed(new Broken("x")))
                .build();
    }

    private static List<Pet> bigList(int n) {
        List<Pet> pets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pets.add(new Pet("pet-" + i, i));
        }
        return pets;
    }

    /** Fails while it is written. */
    record Broken(String value) {
        @Override
        public String value() {
            throw new IllegalStateException("secret internal state");
        }
    }

    private static Response post(Handler app, String path, String contentType, String body) {
        Headers headers = contentType == null ? Headers.empty() : Headers.of("Content-Type", contentType);
        return TestClient.of(app).send(Request.builder().method(Method.POST).target(path).headers(headers)
                .body(Body.of(body)));
    }

    private static Response post(String path, String body) {
        return post(app(JSON), path, "application/json", body);
    }

    private static void assertClean(Response response) throws IOException {
        String text = response.body().text();
        assertFalse(text.contains("dev.ferry"), text);
        assertFalse(text.contains("jackson"), text);
        assertFalse(text.contains("Exception"), text);
        assertFalse(text.contains("\tat "), text);
        assertFalse(text.contains("java."), text);
        assertFalse(text.contains("$"), "no Java nested class names: " + text);
    }

    private static void assertCleanButPath(Response response) throws IOException {
        String text = response.body().text();
        assertFalse(text.contains("dev.ferry"), text);
        assertFalse(text.contains("jackson"), text);
        assertFalse(text.contains("Exception"), text);
        assertFalse(text.contains("java."), text);
        assertFalse(text.contains("JsonTest"), text);
    }

    @Test
    void readsABodyAndAnswersWithJson() throws IOException {
        Response response = post("/pets", "{\"name\":\"Rex\",\"age\":3}");
        assertEquals(201, response.status().code());
        assertEquals("application/json", response.headers().firstOrNull("Content-Type"));
        assertEquals("{\"name\":\"Rex\",\"age\":3}", response.body().text());
        assertEquals(response.body().length(), response.body().text().length());
    }

    @Test
    void readsAGenericType() throws IOException {
        Response response = post("/list", "[{\"name\":\"a\",\"age\":1},{\"name\":\"b\",\"age\":2}]");
        assertEquals(200, response.status().code());
        assertEquals(Map.of("count", 2, "first", "a"), JSON.mapper().readValue(response.body().text(), Map.class));
    }

    @Test
    void acceptsJsonMediaTypesInUtf8() {
        for (String type : List.of("application/json", "Application/JSON; charset=UTF-8", "application/problem+json",
                "application/vnd.api+json; charset=utf-8")) {
            assertEquals(201, post(app(JSON), "/pets", type, "{\"name\":\"Rex\",\"age\":3}").status().code(), type);
        }
    }

    @Test
    void malformedJsonIs400WithLineAndColumn() throws IOException {
        Response response = post("/pets", "{\n  \"name\": \"Rex\",\n  \"age\": 3,,\n}");
        assertEquals(400, response.status().code());
        assertEquals("Bad Request: malformed JSON at line 3, column 12", response.body().text());
        assertClean(response);
    }

    @Test
    void truncatedJsonIs400() throws IOException {
        Response response = post("/pets", "{\"name\":\"Rex\",");
        assertEquals(400, response.status().code());
        assertEquals("Bad Request: the JSON document ends early at line 1, column 15", response.body().text());
        assertClean(response);
    }

    @Test
    void trailingContentIs400() throws IOException {
        Response response = post("/pets", "{\"name\":\"Rex\",\"age\":3} {}");
        assertEquals(400, response.status().code());
        assertTrue(response.body().text().startsWith("Bad Request: "), response.body().text());
        assertCleanButPath(response);
    }

    @Test
    void wrongTypeIs400WithThePropertyPath() throws IOException {
        Response response = post("/pets", "{\"name\":\"Rex\",\"age\":\"three\"}");
        assertEquals(400, response.status().code());
        assertEquals("Bad Request: expected a number at $.age (line 1, column 21)", response.body().text());
        assertCleanButPath(response);
    }

    @Test
    void wrongTypeDeepInsideNamesTheWholePath() throws IOException {
        Response response = post("/owners",
                "{\"name\":\"Ann\",\"pets\":[{\"name\":\"a\",\"age\":1},{\"name\":\"b\",\"age\":[]}]}");
        assertEquals(400, response.status().code());
        assertEquals("Bad Request: expected a number at $.pets[1].age (line 1, column 62)", response.body().text());
        assertCleanButPath(response);
    }

    @Test
    void wrongTopLevelShapeIs400() throws IOException {
        Response response = post("/pets", "[1, 2]");
        assertEquals(400, response.status().code());
        assertEquals("Bad Request: expected an object at line 1, column 1", response.body().text());
        Response list = post("/owners", "{\"name\":\"Ann\",\"pets\":{}}");
        assertEquals("Bad Request: expected an array at $.pets (line 1, column 22)", list.body().text());
    }

    @Test
    void numberOutOfRangeIs400() throws IOException {
        Response response = post("/pets", "{\"name\":\"Rex\",\"age\":99999999999}");
        assertEquals(400, response.status().code());
        assertEquals("Bad Request: a number out of range at $.age (line 1, column 32)", response.body().text());
    }

    @Test
    void nullForAPrimitiveIs400() throws IOException {
        Response response = post("/pets", "{\"name\":\"Rex\",\"age\":null}");
        assertEquals(400, response.status().code());
        assertEquals("Bad Request: expected a number at $.age (line 1, column 21)", response.body().text());
    }

    @Test
    void aNumberLongerThanTheParserAllowsIs400() throws IOException {
        Response response = post("/any", "[" + "1".repeat(5000) + "]");
        assertEquals(400, response.status().code());
        assertTrue(response.body().text().startsWith("Bad Request: the JSON document exceeds the parser's limits"),
                response.body().text());
        assertClean(response);
    }

    @Test
    void unknownEnumValueIs400() throws IOException {
        Response response = post("/tagged", "{\"kind\":\"FISH\"}");
        assertEquals(400, response.status().code());
        assertEquals("Bad Request: expected one of the accepted strings at $.kind (line 1, column 9)",
                response.body().text());
    }

    @Test
    void emptyOrNullBodyIs400() throws IOException {
        Response empty = post("/pets", "");
        assertEquals(400, empty.status().code());
        assertEquals("Bad Request: the body is empty, expected a JSON value", empty.body().text());
        Response nothing = post("/pets", "null");
        assertEquals(400, nothing.status().code());
        assertEquals("Bad Request: the body is null, expected a JSON value", nothing.body().text());
    }

    @Test
    void unknownPropertiesAreIgnoredByDefaultAnd400WhenConfigured() throws IOException {
        String body = "{\"name\":\"Rex\",\"age\":3,\"owner\":{\"x\":1}}";
        assertEquals(201, post("/pets", body).status().code());
        Json strict = Json.create(Json.mapperBuilder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build());
        Response response = post(app(strict), "/pets", "application/json", body);
        assertEquals(400, response.status().code());
        assertEquals("Bad Request: unknown property 'owner' at $.owner", response.body().text());
        assertCleanButPath(response);
    }

    @Test
    void aClientSentNameIsCutShortAndQuotedInThePath() throws IOException {
        Json strict = Json.create(Json.mapperBuilder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build());
        String name = "a-b\\u0007" + "x".repeat(200);
        Response response = post(app(strict), "/pets", "application/json", "{\"" + name + "\":1}");
        String text = response.body().text();
        assertEquals(400, response.status().code());
        assertTrue(text.startsWith("Bad Request: unknown property 'a-b?xxx"), text);
        assertTrue(text.length() < 250, text);
        assertFalse(text.chars().anyMatch(Character::isISOControl), text);
    }

    @Test
    void wrongOrMissingContentTypeIs415() throws IOException {
        String body = "{\"name\":\"Rex\",\"age\":3}";
        Response text = post(app(JSON), "/pets", "text/plain", body);
        assertEquals(415, text.status().code());
        assertEquals("Unsupported Media Type: expected application/json, got text/plain", text.body().text());
        Response none = post(app(JSON), "/pets", null, body);
        assertEquals(415, none.status().code());
        assertEquals("Unsupported Media Type: the request has no Content-Type, expected application/json",
                none.body().text());
        assertEquals(415, post(app(JSON), "/pets", "application/jsonx", body).status().code());
        assertEquals(415, post(app(JSON), "/pets", "application/json; charset=iso-8859-1", body).status().code());
        assertEquals(415, post(app(JSON), "/pets", "application/json; charset=nonsense", body).status().code());
        assertEquals(415, post(app(JSON), "/pets", "json", body).status().code());
    }

    @Test
    void aStatusThrownByAConstructorIsKept() throws IOException {
        Response response = post("/checked", "{\"name\":\"  \"}");
        assertEquals(422, response.status().code());
        assertEquals("Unprocessable Content: name is blank", response.body().text());
    }

    @Test
    void anotherExceptionFromAConstructorIs400WithoutItsMessage() throws IOException {
        Response response = post("/strict", "{\"code\":-1}");
        assertEquals(400, response.status().code());
        assertFalse(response.body().text().contains("internal detail"), response.body().text());
        assertTrue(response.body().text().startsWith("Bad Request: an invalid value"), response.body().text());
    }

    @Test
    void aTypeJacksonCannotBindIsTheAppsFault() throws IOException {
        Response response = post("/nocreator", "{}");
        assertEquals(500, response.status().code());
        assertFalse(response.body().text().contains("NoCreator"), response.body().text());
    }

    @Test
    void tooDeepNestingIs400() throws IOException {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        Response response = post("/any", deep);
        assertEquals(400, response.status().code());
        assertTrue(response.body().text().startsWith("Bad Request: the JSON document exceeds the parser's limits"),
                response.body().text());
        assertClean(response);
    }

    @Test
    void theBodyLimitStays413WhenJacksonWrapsIt() throws IOException {
        // a chunked body (unknown length): the limit trips while Jackson reads, inside its parser
        StringBuilder big = new StringBuilder("[");
        for (int i = 0; i < 2000; i++) {
            big.append(i == 0 ? "" : ",").append("{\"name\":\"pet\",\"age\":1}");
        }
        big.append(']');
        byte[] bytes = big.toString().getBytes(StandardCharsets.UTF_8);
        InputStream in = new ByteArrayInputStream(bytes);
        ServerConfig config = ServerConfig.builder().maxRequestBody(1024).build();
        Response response = TestClient.of(app(JSON), config).send(Request.builder().method(Method.POST).target("/list")
                .headers(Headers.of("Content-Type", "application/json")).body(Body.of(in)));
        assertEquals(413, response.status().code());
        assertClean(response);
    }

    @Test
    void theBodyLimitStays413WhenItTripsInsideAValue() throws IOException {
        // the parser reads a long string lazily, when the record's deserializer asks for it: Jackson
        // wraps what the stream throws there in a DatabindException with the property's path
        byte[] bytes = ("{\"name\":\"" + "x".repeat(8192) + "\",\"age\":1}").getBytes(StandardCharsets.UTF_8);
        ServerConfig config = ServerConfig.builder().maxRequestBody(1024).build();
        Response response = TestClient.of(app(JSON), config).send(Request.builder().method(Method.POST).target("/pets")
                .headers(Headers.of("Content-Type", "application/json")).body(Body.of(new ByteArrayInputStream(bytes))));
        assertEquals(413, response.status().code());
        assertClean(response);
    }

    /** Throws the body limit's 413 once more than {@code limit} bytes are read, as the server's body stream does. */
    private static InputStream limited(byte[] bytes, int limit) {
        return new java.io.FilterInputStream(new ByteArrayInputStream(bytes)) {
            private int read;

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, Math.min(length, 100));
                read += Math.max(n, 0);
                if (read > limit) {
                    throw new dev.ferry.HttpException(Status.CONTENT_TOO_LARGE);
                }
                return n;
            }
        };
    }

    @Test
    void readThrowsTheLimitsStatusThatJacksonWrapped() {
        // without the engine in between: what the app itself (or an exception filter) sees from read
        byte[] bytes = ("{\"name\":\"" + "x".repeat(8192) + "\",\"age\":1}").getBytes(StandardCharsets.UTF_8);
        Request request = Request.builder().method(Method.POST).target("/pets")
                .headers(Headers.of("Content-Type", "application/json")).body(Body.of(limited(bytes, 1024))).build();
        dev.ferry.HttpException thrown = assertThrows(dev.ferry.HttpException.class, () -> JSON.read(request, Pet.class));
        assertEquals(413, thrown.status().code());
        StringBuilder list = new StringBuilder("[");
        for (int i = 0; i < 200; i++) {
            list.append("{\"name\":\"pet\",\"age\":1},");
        }
        byte[] many = (list + "{\"name\":\"pet\",\"age\":1}]").getBytes(StandardCharsets.UTF_8);
        Request batch = Request.builder().method(Method.POST).target("/list")
                .headers(Headers.of("Content-Type", "application/json")).body(Body.of(limited(many, 1024))).build();
        assertEquals(413, assertThrows(dev.ferry.HttpException.class,
                () -> JSON.read(batch, new TypeReference<List<Pet>>() { })).status().code());
    }

    @Test
    void aStreamedResponseIsWholeAndChunked() throws IOException {
        Response response = TestClient.of(app(JSON)).get("/big");
        assertEquals(200, response.status().code());
        assertEquals("application/json", response.headers().firstOrNull("Content-Type"));
        List<Pet> pets = JSON.mapper().readValue(response.body().text(), new TypeReference<List<Pet>>() { });
        assertEquals(bigList(5000), pets);
        assertNull(response.headers().firstOrNull("Content-Length"));
    }

    @Test
    void aStreamedValueThatFailsEarlyIs500WithoutDetail() throws IOException {
        Response response = TestClient.of(app(JSON)).get("/broken");
        assertEquals(500, response.status().code());
        assertFalse(response.body().text().contains("secret"), response.body().text());
    }

    @Test
    void aValueThatCannotBeWrittenFailsInTheHandler() {
        assertThrows(RuntimeException.class, () -> JSON.response(new Broken("x")));
    }

    @Test
    void theDefaultMapperSharesABoundedPool() {
        assertEquals("BoundedPool", Json.create().mapper().tokenStreamFactory()._getRecyclerPool().getClass().getSimpleName());
    }
}
