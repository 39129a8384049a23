package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ValuesTest {

    @Test
    void methods() {
        assertSame(Method.GET, Method.of("GET"));
        assertEquals(new Method("BREW"), Method.of("BREW"));
        assertTrue(Method.PATCH.isStandard());
        assertEquals(false, Method.of("BREW").isStandard());
        assertNotEquals(Method.GET, Method.of("get"));
        assertThrows(IllegalArgumentException.class, () -> Method.of("GE T"));
        assertThrows(IllegalArgumentException.class, () -> Method.of(""));
    }

    @Test
    void statuses() {
        assertSame(Status.NOT_FOUND, Status.of(404));
        assertEquals("Request Header Fields Too Large", Status.of(431).reason());
        assertEquals(new Status(299, "Success"), Status.of(299));
        assertTrue(Status.NO_CONTENT.forbidsBody());
        assertTrue(Status.NOT_MODIFIED.forbidsBody());
        assertTrue(Status.CONTINUE.forbidsBody());
        assertEquals(false, Status.OK.forbidsBody());
        assertThrows(IllegalArgumentException.class, () -> Status.of(99));
        assertThrows(IllegalArgumentException.class, () -> new Status(200, "O\r\nK"));
        assertEquals("404 Not Found", Status.NOT_FOUND.toString());
    }

    @Test
    void setCookieWithEveryAttribute() {
        Cookie cookie = Cookie.of("session", "abc123")
                .withMaxAge(Duration.ofHours(1))
                .withExpires(Instant.parse("2030-01-02T03:04:05Z"))
                .withPath("/app")
                .withDomain("example.com")
                .withSecure(true)
                .withHttpOnly(true)
                .withSameSite(Cookie.SameSite.STRICT);
        assertEquals("session=abc123; Max-Age=3600; Expires=Wed, 2 Jan 2030 03:04:05 GMT; Domain=example.com; "
                + "Path=/app; Secure; HttpOnly; SameSite=Strict", cookie.toSetCookie());
        assertEquals("a=b", Cookie.of("a", "b").toSetCookie());
        assertEquals("a=b; SameSite=Lax", Cookie.of("a", "b").withSameSite(Cookie.SameSite.LAX).toSetCookie());
        assertEquals("a=; Max-Age=0", Cookie.of("a", "").withMaxAge(Duration.ZERO).toSetCookie());
        Response response = Response.ok().withCookie(Cookie.of("a", "1")).withCookie(Cookie.of("b", "2"));
        assertEquals(List.of("a=1", "b=2"), response.headers().all("Set-Cookie"));
    }

    @Test
    void cookieValuesAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> Cookie.of("a", "x;y"));
        assertThrows(IllegalArgumentException.class, () -> Cookie.of("a", "x y"));
        assertThrows(IllegalArgumentException.class, () -> Cookie.of("a b", "x"));
        assertThrows(IllegalArgumentException.class, () -> Cookie.of("a", "x").withPath("/;Secure"));
        assertEquals(Map.of("a", "1", "b", "x y"), Cookie.parse("a=1; b=\"x y\"; a=2; junk; =v"));
    }

    @Test
    void mediaTypes() {
        MediaType type = MediaType.parse("Text/HTML ; charset=\"UTF-8\" ; q=0.5");
        assertEquals("text", type.type());
        assertEquals("html", type.subtype());
        assertEquals(StandardCharsets.UTF_8, type.charset().orElseThrow());
        assertEquals("text/html; charset=UTF-8; q=0.5", type.toString());
        assertEquals("application/json; charset=utf-8", MediaType.APPLICATION_JSON.withCharset(StandardCharsets.UTF_8).toString());
        assertTrue(MediaType.parse("text/*").matches(MediaType.TEXT_HTML));
        assertEquals(Optional.empty(), MediaType.parse("text/plain; charset=nonsense").charset());
        assertThrows(IllegalArgumentException.class, () -> MediaType.parse("text"));
        assertThrows(IllegalArgumentException.class, () -> MediaType.parse("text/plain; x"));
    }

    @Test
    void forms() throws Exception {
        Request request = Request.builder().method(Method.POST).target("/")
                .headers(Headers.of("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"))
                .body(Body.of(new ByteArrayInputStream("name=J%C3%BCrgen+M&tag=a&tag=b&empty=".getBytes(StandardCharsets.US_ASCII))))
                .build();
        Parameters form = Parameters.form(request);
        assertEquals(Optional.of("Jürgen M"), form.first("name"));
        assertEquals(List.of("a", "b"), form.all("tag"));
        assertEquals(Optional.of(""), form.first("empty"));
        HttpException wrongType = assertThrows(HttpException.class, () -> Parameters.form(Request.post("/", "a=1")));
        assertEquals(415, wrongType.status().code());
    }

    @Test
    void responseFactories() throws Exception {
        assertEquals(Optional.of("text/plain; charset=utf-8"), Response.text("x").headers().first("Content-Type"));
        assertEquals(Optional.of("application/json"), Response.json("{}").headers().first("Content-Type"));
        assertEquals(Optional.of("text/html; charset=utf-8"), Response.html("<p>").headers().first("Content-Type"));
        Response redirect = Response.redirect("/there");
        assertEquals(302, redirect.status().code());
        assertEquals(Optional.of("/there"), redirect.headers().first("Location"));
        Response copy = Response.text("a").withStatus(Status.CREATED).withHeader("X", "1").withBody("b");
        assertEquals(201, copy.status().code());
        assertEquals("b", copy.body().text());
        assertEquals(Optional.of("text/plain; charset=utf-8"), copy.headers().first("content-type"));
        assertEquals("a", Response.text("a").body().text());
    }
}
