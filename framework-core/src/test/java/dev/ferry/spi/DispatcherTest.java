package dev.ferry.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.Body;
import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.server.ServerConfig;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class DispatcherTest {

    @Test
    void shutdownAnswersNewRequests503AndClosesInFlightOnes() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Dispatcher dispatcher = Dispatcher.create(request -> {
            entered.countDown();
            release.await();
            return Response.text("done");
        }, ServerConfig.defaults());
        Response[] inFlight = new Response[1];
        Thread worker = Thread.ofVirtual().start(() -> {
            inFlight[0] = dispatcher.dispatch(Request.builder().target("/"));
            dispatcher.finished();
        });
        entered.await();
        dispatcher.beginShutdown();
        Response refused = dispatcher.dispatch(Request.builder().target("/"));
        dispatcher.finished();
        assertEquals(503, refused.status().code());
        assertEquals(Optional.of("close"), refused.headers().first("Connection"));
        assertFalse(dispatcher.awaitIdle(Duration.ofMillis(50)));
        assertEquals(1, dispatcher.inFlight());
        release.countDown();
        worker.join();
        assertTrue(dispatcher.awaitIdle(Duration.ofSeconds(5)));
        assertEquals("done", inFlight[0].body().text());
        assertEquals(Optional.of("close"), inFlight[0].headers().first("Connection"));
    }

    @Test
    void headKeepsTheLengthAndClosesAStreamBody() {
        AtomicBoolean closed = new AtomicBoolean();
        ByteArrayInputStream content = new ByteArrayInputStream(new byte[10]) {
            @Override
            public void close() {
                closed.set(true);
            }
        };
        Dispatcher dispatcher = Dispatcher.create(request -> Response.ok().withBody(Body.of(content, 10)),
                ServerConfig.defaults());
        Response response = dispatcher.dispatch(Request.builder().method(Method.HEAD).target("/"));
        assertEquals(0, response.body().length());
        assertEquals(Optional.of("10"), response.headers().first("Content-Length"));
        assertTrue(closed.get());
    }
}
