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

    @Test
    void sizesTakeBinaryUnitsInAnyCase() {
        assertEquals(10L << 20, ServerConfig.parseSize("10MB"));
        assertEquals(10L << 20, ServerConfig.parseSize("10MiB"));
        assertEquals(10L << 20, ServerConfig.parseSize("10m"));
        assertEquals(10L << 20, ServerConfig.parseSize("10 mb"));
        assertEquals(512L << 10, ServerConfig.parseSize("512k"));
        assertEquals(512L << 10, ServerConfig.parseSize("512KB"));
        assertEquals(2L << 30, ServerConfig.parseSize("2GiB"));
        assertEquals(1234, ServerConfig.parseSize("1234"));
        assertEquals(1234, ServerConfig.parseSize("1234b"));
        for (String bad : new String[] {"", "MB", "10XB", "-1", "1.5MB", "10 M B", "99999999999999999999", "9000000000g"}) {
            assertThrows(IllegalArgumentException.class, () -> ServerConfig.parseSize(bad), bad);
        }
    }

    @Test
    void durationsTakeUnits() {
        assertEquals(Duration.ofMillis(250), ServerConfig.parseDuration("250ms"));
        assertEquals(Duration.ofSeconds(30), ServerConfig.parseDuration("30"));
        assertEquals(Duration.ofSeconds(30), ServerConfig.parseDuration("30s"));
        assertEquals(Duration.ofMinutes(2), ServerConfig.parseDuration("2m"));
        assertEquals(Duration.ofMinutes(2), ServerConfig.parseDuration("2min"));
        assertEquals(Duration.ofHours(1), ServerConfig.parseDuration("1h"));
        assertEquals(Duration.ofDays(1), ServerConfig.parseDuration("1d"));
        assertEquals(Duration.ofSeconds(10), ServerConfig.parseDuration("PT10S"));
        for (String bad : new String[] {"", "s", "soon", "10 years", "P", "-5s", "1.5s"}) {
            assertThrows(IllegalArgumentException.class, () -> ServerConfig.parseDuration(bad), bad);
        }
    }

    @Test
    void aBadValueNamesTheKeyTheValueAndTheFormsAccepted() {
        Properties properties = new Properties();
        properties.setProperty("ferry.max-request-body", "10 XB");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.from(Map.of(), properties));
        assertTrue(e.getMessage().startsWith("ferry.max-request-body (FERRY_MAX_REQUEST_BODY): cannot use '10 XB': "),
                e.getMessage());
        assertTrue(e.getMessage().contains("KiB") && e.getMessage().contains("10MB"), e.getMessage());
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.from(Map.of("FERRY_IDLE_TIMEOUT", "soon"), new Properties()));
        assertTrue(d.getMessage().contains("'soon'") && d.getMessage().contains("PT10S"), d.getMessage());
        assertEquals(10L << 20, ServerConfig.from(Map.of("FERRY_MAX_REQUEST_BODY", "10MB"), new Properties()).maxRequestBody());
    }

    @Test
    void theAccessLogIsOffUnlessTurnedOn() {
        assertEquals(false, ServerConfig.defaults().accessLog());
        Properties on = new Properties();
        on.setProperty("ferry.access-log", "true");
        assertEquals(true, ServerConfig.from(Map.of(), on).accessLog());
        assertEquals(true, ServerConfig.from(Map.of("FERRY_ACCESS_LOG", "true"), new Properties()).accessLog());
        assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.from(Map.of("FERRY_ACCESS_LOG", "maybe"), new Properties()));
        ServerConfig built = ServerConfig.builder().accessLog(true).build();
        assertEquals(built, built.toBuilder().build());
        assertTrue(!built.equals(ServerConfig.defaults()));
    }

    @Test
    void anUnknownKeyIsWarnedAboutOnceWithTheNearestKnownOne() {
        assertEquals("unknown setting ferry.max-request-bdy; did you mean ferry.max-request-body?",
                Settings.problem("ferry.max-request-bdy", "max-request-bdy", false));
        assertEquals("unknown setting FERRY_IDEL_TIMEOUT; did you mean FERRY_IDLE_TIMEOUT?",
                Settings.problem("FERRY_IDEL_TIMEOUT", "idel-timeout", true));
        assertEquals("unknown setting ferry.colour; it is ignored", Settings.problem("ferry.colour", "colour", false));
        assertEquals(null, Settings.problem("ferry.port", "port", false));
        assertEquals(null, Settings.problem("FERRY_RELOAD_CLASSES", "reload-classes", true));
        assertEquals(null, Settings.problem("ferry.fuzz.cases", "fuzz.cases", false));

        java.util.List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger("dev.ferry");
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                warnings.add(record.getLevel() + " " + record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        try {
            Properties properties = new Properties();
            properties.setProperty("ferry.max-request-bdy-once", "1");
            ServerConfig.from(Map.of(), properties);
            ServerConfig.from(Map.of(), properties);
        } finally {
            logger.removeHandler(handler);
        }
        assertEquals(java.util.List.of("WARNING unknown setting ferry.max-request-bdy-once; did you mean ferry.max-request-body?"),
                warnings);
    }
}
