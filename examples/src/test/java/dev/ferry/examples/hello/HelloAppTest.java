package dev.ferry.examples.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.Body;
import dev.ferry.Handler;
import dev.ferry.Headers;
import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.Response;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The hello example's routes, called as a handler: no server needed. */
class HelloAppTest {

    private final Handler app = HelloApp.app();

    @Test
    void plaintextAtRootAndPlaintext() throws Exception {
        for (String path : new String[] {"/", "/plaintext"}) {
            Response response = app.handle(Request.get(path));
            assertEquals(200, response.status().code());
            assertEquals("text/plain; charset=utf-8", response.headers().firstOrNull("Content-Type"));
            assertEquals("Hello, World!", response.body().text());
        }
    }

    @Test
    void jsonFromARecord() throws Exception {
        Response response = app.handle(Request.get("/json"));
        assertEquals("application/json", response.headers().firstOrNull("Content-Type"));
        assertEquals("{\"message\":\"Hello, World!\"}", response.body().text());
    }

    @Test
    void helloDecodesItsPathParameterAsUtf8() throws Exception {
        assertEquals("Hello, Jürgen!", app.handle(Request.get("/hello/J%C3%BCrgen")).body().text());
    }

    @Test
    void echoStreamsTheBodyBackWithItsContentType() throws Exception {
        byte[] sent = "ping".getBytes(StandardCharsets.UTF_8);
        Request request = Request.builder().method(Method.POST).target("/echo")
                .headers(Headers.of("Content-Type", "text/x-demo"))
                .body(Body.of(new ByteArrayInputStream(sent), sent.length)).build();
        Response response = app.handle(request);
        assertEquals("text/x-demo", response.headers().firstOrNull("Content-Type"));
        assertEquals(4, response.body().length());
        assertEquals("ping", response.body().text());
    }

    @Test
    void boomIsAGeneric500() throws Exception {
        // the router answers what a route throws, so filters around it see the 500 too
        Response response = app.handle(Request.get("/boom"));
        assertEquals(500, response.status().code());
        assertEquals("Internal Server Error", response.body().text());
    }
}
