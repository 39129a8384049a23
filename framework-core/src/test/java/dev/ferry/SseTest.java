package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SseTest {

    @Test
    void eventsAreFormattedFieldByField() {
        assertEquals("id: 7\nevent: update\nretry: 3000\ndata: {\"a\":1}\n\n",
                Sse.event().id("7").name("update").retry(Duration.ofSeconds(3)).data("{\"a\":1}").format());
        assertEquals("data: one\ndata: two\ndata: \ndata: three\ndata: \n\n", Sse.event("one\r\ntwo\r\rthree\n").format());
        assertEquals("data: \n\n", Sse.event("").format());
        assertEquals("id: \n\n", Sse.event().id("").format());
        assertEquals("\n", Sse.event().format());
    }

    @Test
    void idsAndNamesCannotStartAnotherField() {
        assertThrows(IllegalArgumentException.class, () -> Sse.event().id("7\ndata: forged"));
        assertThrows(IllegalArgumentException.class, () -> Sse.event().id("7\r"));
        assertThrows(IllegalArgumentException.class, () -> Sse.event().id("a\u0000b"));
        assertThrows(IllegalArgumentException.class, () -> Sse.event().name("x\nid: 1"));
        assertThrows(IllegalArgumentException.class, () -> Sse.event().retry(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> Sse.stream(Request.create(Method.GET, "/"), Duration.ZERO, e -> { }));
    }

    @Test
    void aStreamCarriesItsHeadersEventsCommentsAndLastEventId() throws IOException {
        Handler app = request -> Sse.stream(request, events -> {
            events.send(Sse.event().id("8").data("after " + events.lastEventId().orElse("none")));
            events.comment("two\nlines");
            events.send("plain");
        });
        Response response = TestClient.of(app).send(Request.builder().method(Method.GET).target("/events")
                .headers(Headers.of("Last-Event-ID", "7")));
        assertEquals(200, response.status().code());
        assertEquals("text/event-stream", response.headers().firstOrNull("Content-Type"));
        assertEquals("no-cache", response.headers().firstOrNull("Cache-Control"));
        assertEquals("id: 8\ndata: after 7\n\n: two\n: lines\ndata: plain\n\n", response.body().text());
    }

    @Test
    void aGoneClientFailsTheSendTurnsClosedAndRunsOnClose() throws Exception {
        AtomicInteger writes = new AtomicInteger();
        OutputStream breaking = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (writes.incrementAndGet() > 2) {
                    throw new IOException("Broken pipe");
                }
            }
        };
        AtomicBoolean closedSeen = new AtomicBoolean();
        AtomicBoolean openAfter = new AtomicBoolean(true);
        Sse.ClosedException[] thrown = {null};
        Response response = Sse.stream(Request.create(Method.GET, "/"), Duration.ofSeconds(30), events -> {
            events.onClose(() -> closedSeen.set(true));
            events.send("one");
            events.send("two");
            try {
                events.send("three");
            } catch (Sse.ClosedException e) {
                thrown[0] = e;
            }
            openAfter.set(events.isOpen());
            assertThrows(Sse.ClosedException.class, () -> events.send("four"));
        });
        IOException cut = assertThrows(IOException.class, () -> response.body().writeTo(breaking));
        assertEquals("Broken pipe", cut.getMessage(), "the writer fails so the engine cuts the connection");
        assertTrue(thrown[0] != null);
        assertFalse(openAfter.get());
        assertTrue(closedSeen.get());
    }

    @Test
    void heartbeatsDetectAGoneClientWhileTheProducerWaits() throws Exception {
        AtomicBoolean broken = new AtomicBoolean();
        StringBuilder seen = new StringBuilder();
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) throws IOException {
                if (broken.get()) {
                    throw new IOException("Connection reset");
                }
                seen.append(new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8));
            }
        };
        long[] detectedAfter = {-1};
        Response response = Sse.stream(Request.create(Method.GET, "/"), Duration.ofMillis(100), events -> {
            events.send("hello");
            Thread.sleep(250);
            long brokenAt = System.nanoTime();
            broken.set(true);
            assertTrue(events.awaitClose(Duration.ofSeconds(5)), "the heartbeat noticed");
            detectedAfter[0] = (System.nanoTime() - brokenAt) / 1_000_000;
        });
        assertThrows(IOException.class, () -> response.body().writeTo(out));
        assertTrue(seen.toString().startsWith("data: hello\n\n:\n\n"), seen.toString());
        assertTrue(detectedAfter[0] >= 0 && detectedAfter[0] < 1000, "detected after " + detectedAfter[0] + " ms");
    }

    @Test
    void closingFromAnotherThreadEndsTheStreamCleanly() throws IOException {
        Handler app = request -> Sse.stream(request, events -> {
            List<String> closedBy = new java.util.ArrayList<>();
            events.onClose(() -> closedBy.add("close"));
            Thread.ofVirtual().start(() -> {
                try {
                    events.send("from a publisher");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                events.close();
            });
            events.awaitClose();
            assertEquals(List.of("close"), closedBy);
        });
        assertEquals("data: from a publisher\n\n", TestClient.of(app).get("/").body().text());
    }
}
