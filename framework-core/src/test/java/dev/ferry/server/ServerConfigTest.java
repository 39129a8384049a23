package dev.ferry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ServerConfigTest {

    @Test
    void defaultsFollowTheContract() {
        ServerConfig config = ServerConfig.defaults();
        assertEquals(Optional.empty(), config.host());
        assertEquals(8080, config.port());
        assertEquals(8 * 1024, config.maxRequestLine());
        assertEquals(16 * 1024, config.maxHeaderBytes());
        assertEquals(100, config.maxHeaderCount());
        assertEquals(10L * 1024 * 1024, config.maxRequestBody());
        assertEquals(Duration.ofSeconds(10), config.requestHeaderTimeout());
        assertEquals(Duration.ofSeconds(60), config.idleTimeout());
        assertEquals(10_000, config.maxConnections());
        assertEquals(Duration.ofSeconds(30), config.shutdownGrace());
        assertEquals(java.util.Optional.empty(), config.execution());
    }

    @Test
    void propertiesOverrideVariablesWhichOverrideDefaults() {
        Properties properties = new Properties();
        properties.setProperty("ferry.port", "0");
        properties.setProperty("ferry.max-request-body", "2MiB");
        properties.setProperty("ferry.idle-timeout", "1500ms");
        Map<String, String> environment = Map.of(
                "FERRY_PORT", "9000",
                "FERRY_HOST", "0.0.0.0",
                "FERRY_SERVER", "netty",
                "FERRY_REQUEST_HEADER_TIMEOUT", "PT2S",
                "FERRY_MAX_HEADER_BYTES", "32KiB",
                "FERRY_EXECUTION", "io",
                "FERRY_SHUTDOWN_GRACE", "5s",
                "FERRY_MAX_CONNECTIONS", "50");
        ServerConfig config = ServerConfig.from(environment, properties);
        assertEquals(0, config.port());
        assertEquals(Optional.of("0.0.0.0"), config.host());
        assertEquals(Optional.of("netty"), config.server());
        assertEquals(2L << 20, config.maxRequestBody());
        assertEquals(Duration.ofMillis(1500), config.idleTimeout());
        assertEquals(Duration.ofSeconds(2), config.requestHeaderTimeout());
        assertEquals(32 * 1024, config.maxHeaderBytes());
        assertEquals(java.util.Optional.of(Execution.IO_THREAD), config.execution());
        assertEquals(Duration.ofSeconds(5), config.shutdownGrace());
        assertEquals(50, config.maxConnections());
    }

    @Test
    void malformedValuesNameTheSetting() {
        Properties properties = new Properties();
        properties.setProperty("ferry.port", "eighty");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.from(Map.of(), properties));
        assertTrue(e.getMessage().contains("ferry.port"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.from(Map.of("FERRY_EXECUTION", "fast"), new Properties()));
        assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.from(Map.of("FERRY_PORT", "70000"), new Properties()));
        assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.from(Map.of("FERRY_IDLE_TIMEOUT", "soon"), new Properties()));
    }

    @Test
    void builderCopiesAndCompares() {
        ServerConfig config = ServerConfig.builder().port(0).maxHeaderCount(10).build();
        assertEquals(config, config.toBuilder().build());
        assertEquals(config.hashCode(), config.toBuilder().build().hashCode());
        assertEquals(11, config.toBuilder().maxHeaderCount(11).build().maxHeaderCount());
        assertEquals(10, config.maxHeaderCount());
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().idleTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().maxConnections(0));
    }
}
