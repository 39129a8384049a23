package dev.ferry;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LintTest {

    private static Response run(Filter lint, Request request, Response response) throws Exception {
        Handler app = r -> response;
        return lint.then(app).handle(request);
    }

    private static String violation(Request request, Response response) {
        return assertThrows(Lint.Violation.class, () -> run(Lint.lint(), request, response)).getMessage();
    }

    @Test
    void wellFormedResponsesPassUnchanged() throws Exception {
        Response ok = Response.text("hi").withHeader("Content-Length", "2").withHeader("Connection", "close");
        assertEquals(ok, run(Lint.lint(), Request.get("/"), ok));
        Response empty = Response.of(Status.NO_CONTENT);
        assertEquals(empty, run(Lint.lint(), Request.get("/"), empty));
        assertEquals(List.of(), Lint.check(Method.GET, Response.text("x")));
    }

    @Test
    void bodyOn204Or304IsAViolation() {
        assertTrue(violation(Request.get("/a"), Response.of(Status.NO_CONTENT).withBody("x")).contains("204 must not have a body"));
        assertTrue(violation(Request.get("/a"), Response.of(Status.NOT_MODIFIED).withBody("x")).contains("304 must not have a body"));
    }

    @Test
    void interimStatusIsAViolation() {
        assertTrue(violation(Request.get("/a"), Response.of(Status.CONTINUE)).contains("interim"));
    }

    @Test
    void headBodyIsAllowedByDefaultAndRejectedWhenStrict() throws Exception {
        Request head = Request.create(Method.HEAD, "/a");
        Response withBody = Response.text("body");
        assertEquals(withBody, run(Lint.lint(), head, withBody));
        Lint.Violation strict = assertThrows(Lint.Violation.class, () -> run(Lint.strict(), head, withBody));
        assertTrue(strict.getMessage().contains("HEAD response must not have a body"), strict.getMessage());
    }

    @Test
    void lineBreaksInHeadersCannotEvenBeBuilt() {
        assertThrows(IllegalArgumentException.class, () -> Headers.builder().add("X-A", "1\r\nSet-Cookie: evil=1"));
        assertThrows(IllegalArgumentException.class, () -> Headers.builder().add("X A\n", "1"));
    }

    @Test
    void mismatchedContentLengthIsAViolation() {
        String message = violation(Request.get("/"), Response.text("four").withHeader("Content-Length", "5"));
        assertTrue(message.contains("Content-Length 5 does not match the body's 4 bytes"), message);
        assertTrue(violation(Request.get("/"), Response.text("x").withHeader("Content-Length", "1x")).contains("not a number"));
        Headers twice = Headers.of("Content-Length", "1", "Content-Length", "1");
        assertTrue(violation(Request.get("/"), Response.of(Status.OK, twice, Body.of("x"))).contains("set 2 times"));
        assertTrue(violation(Request.get("/"), Response.of(Status.NO_CONTENT).withHeader("Content-Length", "0"))
                .contains("must not have a Content-Length"));
    }

    @Test
    void streamedBodyLongerThanItsContentLengthFailsWhileWriting() throws Exception {
        Response declared = Response.of(Status.OK, Headers.of("Content-Length", "3"),
                Body.streamed(out -> out.write("four".getBytes())));
        Response checked = run(Lint.lint(), Request.get("/s"), declared);
        Body.Streamed body = (Body.Streamed) checked.body();
        Lint.Violation violation = assertThrows(Lint.Violation.class, () -> body.writer().writeTo(new ByteArrayOutputStream()));
        assertTrue(violation.getMessage().contains("Content-Length 3 does not match the 4 bytes written"));
        Response stream = Response.of(Status.OK, Headers.of("Content-Length", "3"),
                Body.of(new ByteArrayInputStream("abc".getBytes())));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        run(Lint.lint(), Request.get("/s"), stream).body().writeTo(out);
        assertEquals("abc", out.toString());
    }

    @Test
    void hopByHopHeadersAreViolations() {
        for (String name : List.of("Keep-Alive", "Transfer-Encoding", "Upgrade", "TE", "Trailer", "Proxy-Authenticate")) {
            String message = violation(Request.get("/"), Response.text("x").withHeader(name, "v"));
            assertTrue(message.contains("hop-by-hop header " + name), message);
        }
        assertTrue(violation(Request.get("/"), Response.text("x").withHeader("Connection", "keep-alive"))
                .contains("an app may only ask for 'close'"));
    }

    @Test
    void violationNamesTheRequestAndEveryProblem() {
        String message = violation(Request.get("/users/7"), Response.of(Status.NO_CONTENT).withBody("x")
                .withHeader("Upgrade", "h2c"));
        assertTrue(message.startsWith("GET /users/7 -> 204 No Content: "), message);
        assertTrue(message.contains("; "), "both problems: " + message);
    }

    @Test
    void nullResponseIsAViolation() {
        Handler none = r -> null;
        assertThrows(Lint.Violation.class, () -> Lint.lint().then(none).handle(Request.get("/")));
    }
}
