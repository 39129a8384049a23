package dev.ferry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class TlsSettingsTest {

    private static Properties properties(String... pairs) {
        Properties properties = new Properties();
        for (int i = 0; i < pairs.length; i += 2) {
            properties.setProperty(pairs[i], pairs[i + 1]);
        }
        return properties;
    }

    @Test
    void plainHttpByDefault() {
        assertEquals(Optional.empty(), ServerConfig.defaults().tls());
        assertEquals(Optional.empty(), ServerConfig.from(Map.of(), new Properties()).tls());
    }

    @Test
    void pemFilesFromPropertiesOrVariables() {
        Tls expected = Tls.pem(Path.of("/etc/ferry/cert.pem"), Path.of("/etc/ferry/key.pem"));
        assertEquals(Optional.of(expected), ServerConfig.from(Map.of(),
                properties("ferry.tls.cert", "/etc/ferry/cert.pem", "ferry.tls.key", "/etc/ferry/key.pem")).tls());
        assertEquals(Optional.of(expected), ServerConfig.from(
                Map.of("FERRY_TLS_CERT", "/etc/ferry/cert.pem", "FERRY_TLS_KEY", "/etc/ferry/key.pem"), new Properties()).tls());
    }

    @Test
    void keystoreWithPasswordAndType() {
        Tls tls = ServerConfig.from(Map.of("FERRY_TLS_KEYSTORE_PASSWORD", "secret"), properties(
                "ferry.tls.keystore", "/etc/ferry/server.jks")).tls().orElseThrow();
        assertEquals(Optional.of(Path.of("/etc/ferry/server.jks")), tls.keystore());
        assertEquals("secret", tls.keystorePassword());
        assertEquals("JKS", tls.keystoreType(), "from the file name");
        assertEquals("PKCS12", Tls.keystore(Path.of("server.p12"), null, null).keystoreType());
        assertEquals("PKCS12", ServerConfig.from(Map.of(), properties("ferry.tls.keystore", "s.jks",
                "ferry.tls.keystore-type", "pkcs12")).tls().orElseThrow().keystoreType());
        assertFalse(tls.toString().contains("secret"), "the password never shows: " + tls);
        assertFalse(ServerConfig.from(Map.of("FERRY_TLS_KEYSTORE_PASSWORD", "secret"), properties(
                "ferry.tls.keystore", "s.p12")).toString().contains("secret"));
    }

    @Test
    void halfAPairOrBothKindsFailNamingTheSettings() {
        IllegalArgumentException onlyCert = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.from(Map.of(), properties("ferry.tls.cert", "c.pem")));
        assertTrue(onlyCert.getMessage().contains("ferry.tls.key"), onlyCert.getMessage());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> ServerConfig.from(Map.of(),
                properties("ferry.tls.cert", "c.pem", "ferry.tls.key", "k.pem", "ferry.tls.keystore", "s.p12")));
        assertTrue(both.getMessage().contains("one or the other"), both.getMessage());
    }

    @Test
    void theTlsKeysAreKnownSettings() {
        for (String key : new String[] {"tls.cert", "tls.key", "tls.keystore", "tls.keystore-password", "tls.keystore-type"}) {
            assertNull(Settings.problem("ferry." + key, key, false), key);
            assertNull(Settings.problem("FERRY_" + key.replace('.', '_').replace('-', '_').toUpperCase(java.util.Locale.ROOT),
                    key.replace('.', '-'), true), key);
        }
        assertEquals("unknown setting ferry.tls.crt; did you mean ferry.tls.cert?", Settings.problem("ferry.tls.crt", "tls.crt", false));
    }

    @Test
    void theUrlOfATlsServerIsHttps() {
        Server server = new Server() {
            @Override public String name() { return "fake"; }
            @Override public String host() { return "127.0.0.1"; }
            @Override public int port() { return 8443; }
            @Override public void stop(java.time.Duration grace) { }
            @Override public void close() { }
        };
        ServerConfig tls = ServerConfig.builder().tls(Tls.pem(Path.of("c.pem"), Path.of("k.pem"))).build();
        assertEquals("https://127.0.0.1:8443/", Ferry.url(server, tls));
        assertEquals("http://127.0.0.1:8443/", Ferry.url(server, ServerConfig.defaults()));
    }

    @Test
    void builderAndEquality() {
        Tls tls = Tls.pem(Path.of("c.pem"), Path.of("k.pem"));
        ServerConfig config = ServerConfig.builder().tls(tls).build();
        assertEquals(Optional.of(tls), config.tls());
        assertEquals(config, config.toBuilder().build());
        assertFalse(config.equals(ServerConfig.defaults()));
        assertEquals(Optional.empty(), config.toBuilder().tls(null).build().tls());
    }
}
