package dev.ferry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.Handler;
import dev.ferry.spi.ServerProvider;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FerryTest {

    record Fake(String name, boolean production) implements ServerProvider {
        @Override
        public Server start(Handler app, ServerConfig config) {
            return new Server() {
                @Override
                public String name() {
                    return Fake.this.name;
                }

                @Override
                public String host() {
                    return "::1";
                }

                @Override
                public int port() {
                    return 1234;
                }

                @Override
                public void stop(Duration grace) {
                }

                @Override
                public void close() {
                }
            };
        }
    }

    private static final Fake DEV = new Fake("dev", false);
    private static final Fake NETTY = new Fake("netty", true);
    private static final Fake UNDERTOW = new Fake("undertow", true);

    @Test
    void noProviderNamesTheArtifacts() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Ferry.select(List.of(), Optional.empty()));
        assertTrue(e.getMessage().contains("dev.ferry:ferry-server-dev"), e.getMessage());
        assertTrue(e.getMessage().contains("dev.ferry:ferry-adapter-netty"), e.getMessage());
    }

    @Test
    void theDevServerAloneIsChosen() {
        assertSame(DEV, Ferry.select(List.of(DEV), Optional.empty()));
    }

    @Test
    void oneProductionServerWinsOverTheDevServer() {
        assertSame(NETTY, Ferry.select(List.of(DEV, NETTY), Optional.empty()));
        assertSame(NETTY, Ferry.select(List.of(NETTY), Optional.empty()));
    }

    @Test
    void twoProductionServersWithoutAChoiceFail() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Ferry.select(List.of(DEV, UNDERTOW, NETTY), Optional.empty()));
        assertTrue(e.getMessage().contains("netty, undertow"), e.getMessage());
        assertTrue(e.getMessage().contains("ferry.server"), e.getMessage());
        assertTrue(e.getMessage().contains("FERRY_SERVER"), e.getMessage());
    }

    @Test
    void aChoiceWins() {
        assertSame(DEV, Ferry.select(List.of(DEV, UNDERTOW, NETTY), Optional.of("dev")));
        assertSame(UNDERTOW, Ferry.select(List.of(DEV, UNDERTOW, NETTY), Optional.of("Undertow")));
    }

    @Test
    void aChoiceThatIsNotThereNamesItsArtifact() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Ferry.select(List.of(DEV, NETTY), Optional.of("tomcat")));
        assertTrue(e.getMessage().contains("dev.ferry:ferry-adapter-tomcat"), e.getMessage());
        assertTrue(e.getMessage().contains("available: dev, netty"), e.getMessage());
        IllegalStateException unknown = assertThrows(IllegalStateException.class,
                () -> Ferry.select(List.of(DEV), Optional.of("jetty")));
        assertTrue(unknown.getMessage().contains("Known servers are dev, undertow, netty, tomcat"), unknown.getMessage());
    }

    @Test
    void urlsBracketIpv6Hosts() {
        assertEquals("http://[::1]:1234/", Ferry.url(NETTY.start(request -> null, ServerConfig.defaults())));
    }
}
