package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestTest {

    @Test
    void splitsPathAndQuery() {
        Request request = Request.get("/a/b?x=1&y=2");
        assertEquals("/a/b", request.path());
        assertEquals("/a/b", request.rawPath());
        assertEquals("x=1&y=2", request.rawQuery());
        assertEquals(List.of("a", "b"), request.segments());
        assertEquals("", request.contextPath());
        assertEquals(Method.GET, request.method());
        assertEquals("HTTP/1.1", request.version());
        assertEquals("http", request.scheme());
    }

    @Test
    void decodesNonAsciiPaths() {
        Request request = Request.get("/hello/J%C3%BCrgen/%E6%97%A5%E6%9C%AC");
        assertEquals("/hello/Jürgen/日本", request.path());
        assertEquals("/hello/J%C3%BCrgen/%E6%97%A5%E6%9C%AC", request.rawPath());
    }

    @Test
    void rawOctetsInTheTargetAreUtf8() {
        String latin1 = new String("/caf\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.nio.charset.StandardCharsets.ISO_8859_1);
        assertEquals("/café", Request.get(latin1).path());
    }

    @Test
    void encodedSlashStaysInsideItsSegment() {
        Request request = Request.get("/files/a%2Fb/c");
        assertEquals(List.of("files", "a/b", "c"), request.segments());
        assertEquals("/files/a%2Fb/c", request.rawPath());
    }

    @Test
    void plusIsLiteralInPathsAndSpaceInQueries() {
        Request request = Request.get("/a+b?q=a+b&r=a%2Bb");
        assertEquals("/a+b", request.path());
        assertEquals(Optional.of("a b"), request.query().first("q"));
        assertEquals(Optional.of("a+b"), request.query().first("r"));
    }

    @Test
    void queryKeysMayBeEmptyOrRepeated() {
        Parameters query = Request.get("/?a=1&a=2&b&=x&&c=").query();
        assertEquals(List.of("1", "2"), query.all("a"));
        assertEquals(Optional.of(""), query.first("b"));
        assertEquals(Optional.of("x"), query.first(""));
        assertEquals(Optional.of(""), query.first("c"));
        assertEquals(List.of("a", "b", "", "c"), List.copyOf(query.names()));
        assertEquals(Parameters.empty(), Request.get("/").query());
        assertEquals(Parameters.empty(), Request.get("/?").query());
    }

    @Test
    void trailingSlashIsKept() {
        assertEquals(List.of("a", ""), Request.get("/a/").segments());
        assertEquals("/a/", Request.get("/a/").path());
        assertEquals(List.of(""), Request.get("/").segments());
    }

    @Test
    void anAbsoluteFormTargetWithoutAPathHasTheRootAndItsQuery() {
        Request request = Request.get("http://localhost?q/x");
        assertEquals("/", request.path());
        assertEquals("q/x", request.rawQuery());
        assertEquals("/a", Request.get("http://localhost/a?b").path());
    }

    @Test
    void nothingAfterDecodingEscapesTheRoute() {
        // an empty segment before the last makes what follows an absolute path; an encoded slash may
        // separate names inside a segment, never form '..', '.' or an empty element
        for (String target : new String[] {"/a//b", "//etc/passwd", "/hello/..%2f..%2fetc%2fpasswd", "/hello/%2fetc",
                "/hello/a%2f", "/hello/a%2f%2fb", "/hello/.%2fx", "/hello/..%5c..%5cwin.ini", "/hello/a\\b", "/a%00b"}) {
            HttpException e = org.junit.jupiter.api.Assertions.assertThrows(HttpException.class, () -> Request.get(target), target);
            assertEquals(400, e.status().code(), target);
        }
        assertEquals(List.of("a/b", "c"), Request.get("/a%2Fb/c").segments());
    }

    @Test
    void dotSegmentsNeverReachAHandler() {
        assertEquals("/b", Request.get("/a/../b").path());
        assertEquals("/a/b", Request.get("/a/./b").path());
        assertEquals("/a/", Request.get("/a/b/..").path());
        assertEquals("/b", Request.get("/a/%2e%2e/b").path());
        assertEquals("/", Request.get("/a/..").path());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/..", "/../etc/passwd", "/a/../../b", "/%2E%2E/x", "/%zz", "/a%", "/a%2",
        "/%C0%AF", "/%E0%80%AF", "/%FF", "/%ED%A0%80", "/a%00b", "relative", "/a#frag"})
    void malformedTargetsAre400(String target) {
        HttpException e = assertThrows(HttpException.class, () -> Request.get(target));
        assertEquals(400, e.status().code());
    }

    @Test
    void invalidQueryEncodingIs400WhenRead() {
        Request request = Request.get("/?a=%C0%AF");
        assertEquals(400, assertThrows(HttpException.class, request::query).status().code());
    }

    @Test
    void absoluteAndAsteriskForms() {
        Request absolute = Request.get("http://example.com/a/b?x=1");
        assertEquals("/a/b", absolute.path());
        assertEquals("x=1", absolute.rawQuery());
        assertEquals("/", Request.get("http://example.com").path());
        assertEquals("*", Request.create(Method.OPTIONS, "*").segments().get(0));
    }

    @Test
    void veryLongPathsParse() {
        String segment = "s".repeat(100);
        String path = ("/" + segment).repeat(1000);
        Request request = Request.get(path);
        assertEquals(1000, request.segments().size());
        assertEquals(path, request.path());
    }

    @Test
    void copiesAreIndependent() throws Exception {
        Request original = Request.post("/x", "body");
        Request changed = original.withHeader("X-A", "1").withMethod(Method.PUT).withBody(Body.of("other"));
        assertEquals(Optional.empty(), original.header("X-A"));
        assertEquals(Method.POST, original.method());
        assertEquals("other", changed.body().text());
        assertEquals("body", original.body().text());
        assertEquals(Optional.of("1"), changed.header("x-a"));
    }

    @Test
    void cookiesAndContentType() {
        Request request = Request.get("/").withHeaders(Headers.of(
                "Cookie", "a=1; b=\"two\"", "Cookie", "c=3", "Content-Type", "text/html; Charset=ISO-8859-1"));
        assertEquals(Optional.of("1"), request.cookie("a"));
        assertEquals(Optional.of("two"), request.cookie("b"));
        assertEquals(Optional.of("3"), request.cookie("c"));
        assertEquals(Optional.empty(), request.cookie("d"));
        MediaType type = request.contentType().orElseThrow();
        assertEquals("text", type.type());
        assertEquals("html", type.subtype());
        assertEquals(java.nio.charset.StandardCharsets.ISO_8859_1, type.charset().orElseThrow());
        assertEquals(Optional.empty(), Request.get("/").withHeader("Content-Type", "garbage").contentType());
    }

    @Test
    void missingPathParamIsAProgrammingError() {
        assertThrows(IllegalArgumentException.class, () -> Request.get("/").pathParam("id"));
    }
}
