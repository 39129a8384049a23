package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.routing.Router;
import org.junit.jupiter.api.Test;

class HealthTest {

    @Test
    void endpointsAnswerWhileServing() throws Exception {
        TestClient client = TestClient.of(Router.builder().mount("/health", Health.endpoints()).build());
        assertEquals("UP", client.get("/health/live").body().text());
        assertEquals("READY", client.get("/health/ready").body().text());
        assertEquals(404, client.get("/health/other").status().code());
    }
}
