package dev.ferry.testkit;

import dev.ferry.Body;
import dev.ferry.Headers;
import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.TestClient;
import dev.ferry.server.ServerConfig;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The semantics that do not depend on a socket, checked in-process through {@link TestClient} on the
 * same app the suite serves: what an app sees and answers is the same with and without a server.
 */
class InProcessConformanceTest {

    private final ConformanceApp app = new ConformanceApp();
    private final TestClient client = TestClient.of(app.handler(), ServerConfig.builder().maxRequestBody(1024).build());

    @AfterEach
    void lintClean() {
        assertEquals(List.of(), app.violations());
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "POST", "PUT", "DELETE", "PATCH", "TRACE", "PURGE"})
    void everyRoutedMethod(String method) throws IOException {
        Response response = client.send(Method.of(method), "/method");
        assertEquals(200, response.status().code());
        assertEquals("method=" + method, response.body().text());
    }

    @Test
    void unknownMethodIs501AndWrongMethod405() {
        assertEquals(501, client.send(Method.of("BREW"), "/hello").status().code());
        Response wrong = client.send(Method.DELETE, "/hello");
        assertEquals(405, wrong.status().code());
        assertEquals("GET, HEAD, OPTIONS", wrong.headers().firstOrNull("Allow"));
    }

    @Test
    void headHasTheLengthOfGetButNoBody() {
        Response head = client.send(Method.HEAD, "/hello");
        assertEquals(200, head.status().code());
        assertEquals("13", head.headers().firstOrNull("Content-Length"));
        assertEquals(0, head.body().length());
    }

    @Test
    void noContentAndNotModifiedHaveNoBody() {
        assertEquals(0, client.get("/no-content").body().length());
        assertEquals(0, client.get("/not-modified").body().length());
    }

    @Test
    void pathAndQueryDecoding() throws IOException {
        assertEquals("param=a/b\npath=/path/a/b\nsegments=path|a/b", client.get("/path/a%2Fb").body().text());
        assertEquals("param=a+b\npath=/path/a+b\nsegments=path|a+b", client.get("/path/a+b").body().text());
        assertEquals("a=1,2\nb=x y\nc=\u20ac z\nraw=a=1&b=x+y&c=%E2%82%AC%20z&a=2",
                client.get("/query?a=1&b=x+y&c=%E2%82%AC%20z&a=2").body().text());
    }

    @Test
    void mountedAppSeesItsOwnPath() throws IOException {
        assertEquals("context=/admin path=/users/7 id=7", client.get("/admin/users/7").body().text());
        assertEquals("context=/admin path=/", client.get("/admin").body().text());
    }

    @Test
    void exceptionsBecomeGeneric500AndHttpExceptionsTheirStatus() throws IOException {
        Response failed = client.get("/fail");
        assertEquals(500, failed.status().code());
        assertEquals("Internal Server Error", failed.body().text());
        Response refused = client.get("/refuse/409");
        assertEquals(409, refused.status().code());
        assertEquals("refused 409", refused.body().text());
    }

    @Test
    void cookiesAreReadAndSet() throws IOException {
        Response response = client.send(Request.get("/cookies").withHeader("Cookie", "session=abc; theme=dark"));
        assertEquals("session=abc theme=dark", response.body().text());
        assertEquals(List.of("a=1; Path=/", "b=2; HttpOnly"), response.headers().all("Set-Cookie"));
    }

    @Test
    void repeatedHeadersAndCaseInsensitiveNames() throws IOException {
        Request request = Request.get("/header/X-Rep").withHeaders(Headers.of("x-rep", "one", "X-REP", "two"));
        assertEquals("one|two", client.send(request).body().text());
        assertEquals(List.of("a", "b"), client.get("/headers").headers().all("x-multi"));
    }

    @Test
    void bodiesEchoAndStream() throws IOException {
        assertEquals("hello", client.post("/echo", "hello").body().text());
        assertArrayEquals(ConformanceApp.pattern(5000), client.get("/stream-bytes/5000").body().bytes());
    }

    @Test
    void bodyOverTheLimitIs413() {
        byte[] big = new byte[2048];
        Response declared = client.send(Request.builder().method(Method.POST).target("/echo")
                .body(Body.of(new java.io.ByteArrayInputStream(big), big.length)).build());
        assertEquals(413, declared.status().code());
        assertEquals("close", declared.headers().firstOrNull("Connection"));
        Response unknown = client.send(Request.builder().method(Method.POST).target("/echo")
                .body(Body.of(new java.io.ByteArrayInputStream(big))).build());
        assertEquals(413, unknown.status().code());
        assertEquals(0, app.completions(), "neither request completed");
    }

    @Test
    void badTargetIs400() {
        assertFalse(client.get("/hello").status().isError());
        dev.ferry.HttpException bad = org.junit.jupiter.api.Assertions.assertThrows(dev.ferry.HttpException.class,
                () -> Request.get("/%zz"));
        assertEquals(400, bad.status().code());
    }
}
