package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TestClientTest {

    /** Produces {@code size} bytes without holding them, counting what was read. */
    static final class Generated extends InputStream {
        final AtomicLong read = new AtomicLong();
        private final long size;

        Generated(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            return read.get() < size ? (read.incrementAndGet() > 0 ? 'x' : 0) : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            long left = size - read.get();
            if (left <= 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) 'x');
            read.addAndGet(n);
            return n;
        }
    }

    @Test
    void exceptionsBecomeAGeneric500() throws Exception {
        Response response = TestClient.of(request -> {
            throw new IllegalStateException("secret detail");
        }).get("/");
        assertEquals(500, response.status().code());
        assertEquals("Internal Server Error", response.body().text());
        assertFalse(response.body().text().contains("secret"));
    }

    @Test
    void httpExceptionsBecomeTheirStatus() throws Exception {
        Response response = TestClient.of(request -> {
            throw new HttpException(Status.FORBIDDEN, "No entry");
        }).get("/");
        assertEquals(403, response.status().code());
        assertEquals("No entry", response.body().text());
        assertEquals(Optional.of("text/plain; charset=utf-8"), response.headers().first("Content-Type"));
    }

    @Test
    void nullResponsesAre500() {
        assertEquals(500, TestClient.of(request -> null).get("/").status().code());
    }

    @Test
    void malformedTargetsAre400() {
        Response response = TestClient.of(request -> Response.ok()).get("/%C0%AF");
        assertEquals(400, response.status().code());
        assertEquals(Optional.of("close"), response.headers().first("Connection"));
    }

    @Test
    void declaredOversizedBodiesAre413BeforeTheHandlerRuns() {
        AtomicLong calls = new AtomicLong();
        Generated source = new Generated(1L << 30);
        Response response = TestClient.of(request -> {
            calls.incrementAndGet();
            return Response.ok();
        }).send(Request.builder().method(Method.POST).target("/").body(Body.of(source, 1L << 30)));
        assertEquals(413, response.status().code());
        assertEquals(0, calls.get());
        assertEquals(0, source.read.get());
    }

    @Test
    void aGigabyteStreamStopsAtTheLimit() {
        Generated source = new Generated(1L << 30);
        ServerConfig config = ServerConfig.builder().maxRequestBody(10L << 20).build();
        Response response = TestClient.of(request -> Response.text(request.body().bytes().length + " bytes"), config)
                .send(Request.builder().method(Method.POST).target("/").body(Body.of(source)));
        assertEquals(413, response.status().code());
        assertEquals(Optional.of("close"), response.headers().first("Connection"));
        assertTrue(source.read.get() <= (10L << 20) + (1 << 20), "read " + source.read.get());
    }

    @Test
    void bodiesWithinTheLimitArrive() throws Exception {
        ServerConfig config = ServerConfig.builder().maxRequestBody(1000).build();
        Response response = TestClient.of(request -> Response.text(request.body().bytes().length + " bytes"), config)
                .send(Request.builder().method(Method.POST).target("/").body(Body.of(new Generated(1000))));
        assertEquals("1000 bytes", response.body().text());
    }

    @Test
    void noBodyOn204And304() {
        assertEquals(0, TestClient.of(request -> Response.of(Status.NO_CONTENT).withBody("x")).get("/").body().length());
        assertEquals(0, TestClient.of(request -> Response.of(Status.NOT_MODIFIED).withBody("x")).get("/").body().length());
    }

    @Test
    void knownLengthsOverrideAnAppContentLength() {
        Response response = TestClient.of(request -> Response.text("abc").withHeader("Content-Length", "99")).get("/");
        assertFalse(response.headers().contains("Content-Length"));
        assertEquals(3, response.body().length());
    }

    @Test
    void streamedBodiesAreReadable() throws Exception {
        Response response = TestClient.of(request -> Response.ok().withBody(Body.streamed(out -> {
            out.write('a');
            out.flush();
            out.write('b');
        }))).get("/");
        assertEquals("ab", response.body().text());
        assertEquals("ab", response.body().text());
    }

    @Test
    void filtersCompose() throws Exception {
        Filter first = next -> request -> next.handle(request).withAddedHeader("X-Order", "first");
        Filter second = next -> request -> next.handle(request.withHeader("X-In", "second"))
                .withAddedHeader("X-Order", "second");
        Handler inner = request -> Response.text(request.header("X-In").orElse("none"));
        Handler app = first.then(second).then(inner);
        Response response = TestClient.of(app).get("/");
        assertEquals("second", response.body().text());
        assertEquals(java.util.List.of("second", "first"), response.headers().all("X-Order"));
    }

    @Test
    void readingPastTheLimitInsideAHandlerThatCatchesIOExceptionsStill413s() {
        ServerConfig config = ServerConfig.builder().maxRequestBody(10).build();
        Response response = TestClient.of(request -> {
            try {
                request.body().bytes();
            } catch (IOException ignored) {
                return Response.ok();
            }
            return Response.ok();
        }, config).send(Request.builder().method(Method.POST).target("/").body(Body.of(new Generated(100))));
        assertEquals(413, response.status().code());
    }

    @Test
    void putPatchDeleteAndJsonSendWhatAClientWould() throws Exception {
        Handler echo = request -> Response.text(request.method() + " " + request.header("Content-Type").orElse("-") + " "
                + request.header("Accept").orElse("-") + " " + request.body().text());
        TestClient client = TestClient.of(echo);
        assertEquals("PUT - - a", client.put("/", "a").body().text());
        assertEquals("PATCH - - b", client.patch("/", "b").body().text());
        assertEquals("DELETE - - ", client.delete("/").body().text());
        assertEquals("POST application/json application/json {\"a\":1}",
                client.json(Method.POST, "/", "{\"a\":1}").body().text());
        assertEquals("GET - application/json ", client.json(Method.GET, "/").body().text());
    }
}
