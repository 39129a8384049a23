package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FormCharsetTest {

    static final Handler ECHO = request -> Response.text(Parameters.form(request).first("name").orElse("-"));

    private static Response post(String contentType, byte[] body) {
        return TestClient.of(ECHO).send(Request.builder().method(Method.POST).target("/")
                .headers(Headers.of("Content-Type", contentType)).body(Body.of(body)));
    }

    @Test
    void aDeclaredCharsetDecodesEscapesAndRawOctets() throws Exception {
        assertEquals("Jos\u00e9", post("application/x-www-form-urlencoded; charset=ISO-8859-1",
                "name=Jos%E9".getBytes(StandardCharsets.US_ASCII)).body().text());
        assertEquals("Jos\u00e9", post("application/x-www-form-urlencoded; charset=iso-8859-1",
                "name=Jos\u00e9".getBytes(StandardCharsets.ISO_8859_1)).body().text());
        assertEquals("\u20ac", post("application/x-www-form-urlencoded; charset=windows-1252",
                "name=%80".getBytes(StandardCharsets.US_ASCII)).body().text());
    }

    @Test
    void utf8IsTheDefault() throws Exception {
        assertEquals("Jos\u00e9", post("application/x-www-form-urlencoded",
                "name=Jos%C3%A9".getBytes(StandardCharsets.US_ASCII)).body().text());
        assertEquals("Jos\u00e9", post("application/x-www-form-urlencoded",
                "name=Jos\u00e9".getBytes(StandardCharsets.UTF_8)).body().text());
        assertEquals(400, post("application/x-www-form-urlencoded", "name=Jos%E9".getBytes(StandardCharsets.US_ASCII))
                .status().code());
    }

    @Test
    void anUnknownCharsetIs415AndAnotherTypeToo() throws Exception {
        assertEquals(415, post("application/x-www-form-urlencoded; charset=klingon", "name=x".getBytes()).status().code());
        assertEquals(415, post("text/plain", "name=x".getBytes()).status().code());
        assertEquals(415, post("*/*", "name=x".getBytes()).status().code());
    }
}
