package dev.ferry.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProtocolTest {

    @Test
    void labelsNameTheProtocols() {
        for (Protocol protocol : Protocol.values()) {
            assertEquals(protocol, Protocol.of(protocol.label()));
        }
        assertEquals(Protocol.H2C, Protocol.of(" H2C "));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Protocol.of("h3"));
        assertTrue(unknown.getMessage().contains("[h1, h1-tls, h2c, h2, handshake]"), unknown.getMessage());
    }

    @Test
    void whatEachProtocolNeeds() {
        assertFalse(Protocol.H1.tls() || Protocol.H1.http2());
        assertTrue(Protocol.H1_TLS.tls() && !Protocol.H1_TLS.http2());
        assertTrue(!Protocol.H2C.tls() && Protocol.H2C.http2());
        assertTrue(Protocol.H2.tls() && Protocol.H2.http2());
        assertTrue(Protocol.HANDSHAKE.tls() && !Protocol.HANDSHAKE.http2());
        assertEquals(List.of("wrk", "wrk", "h2load", "h2load", "openssl"),
                List.of(Protocol.values()).stream().map(Protocol::tool).toList());
        for (Protocol protocol : Protocol.values()) {
            assertTrue(AbRatio.PACKAGES.containsKey(protocol.tool()), protocol.tool());
        }
    }

    @Test
    void theGentleWarmUpOpensFewConnections() {
        AbRatio.Settings settings = new AbRatio.Settings(4, 5, 6, 64, "0", "1", List.of(), AbRatio.HELLO).with(Protocol.H2);
        assertEquals(Protocol.H2, settings.protocol());
        assertEquals(16, settings.tlsConnections());
        assertEquals(10, settings.streams());
        AbRatio.Settings gentle = settings.gentle();
        assertEquals(4, gentle.connections());
        assertEquals(4, gentle.tlsConnections());
        assertEquals(4, gentle.h2Clients());
        assertEquals(1, gentle.handshakeClients());
        assertEquals(Protocol.H2, gentle.protocol());
    }
}
