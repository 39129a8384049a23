package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

    private final TrustedProxies proxies = TrustedProxies.of("127.0.0.1", "10.0.0.0/8", "fd00::/8", "::1");
    private final TrustedProxies forwarded = proxies.reading(TrustedProxies.Family.FORWARDED);

    private static Request from(String peer, String... headers) throws Exception {
        return Request.get("/").withHeaders(Headers.of(headers))
                .withRemoteAddress(new InetSocketAddress(InetAddress.getByName(peer), 40000));
    }

    private static String client(Request request) {
        return request.remoteAddress().getAddress().getHostAddress();
    }

    @Test
    void untrustedPeersAreSeenWithTheirRealAddress() throws Exception {
        Request spoofed = from("203.0.113.9", "X-Forwarded-For", "1.2.3.4", "X-Forwarded-Proto", "https",
                "X-Forwarded-Host", "bank.example", "Forwarded", "for=1.2.3.4;proto=https");
        Request resolved = proxies.resolve(spoofed);
        assertEquals("203.0.113.9", client(resolved));
        assertEquals("http", resolved.scheme());
        assertEquals(Optional.empty(), resolved.header("Host"));
    }

    @Test
    void xForwardedFromATrustedProxy() throws Exception {
        Request resolved = proxies.resolve(from("127.0.0.1", "X-Forwarded-For", "198.51.100.7",
                "X-Forwarded-Proto", "https", "X-Forwarded-Host", "app.example", "X-Forwarded-Port", "8443"));
        assertEquals("198.51.100.7", client(resolved));
        assertEquals("https", resolved.scheme());
        assertEquals(Optional.of("app.example:8443"), resolved.header("Host"));
    }

    @Test
    void theClientIsTheFirstUntrustedHopFromTheRight() throws Exception {
        Request resolved = proxies.resolve(from("127.0.0.1",
                "X-Forwarded-For", "6.6.6.6, 198.51.100.7", "X-Forwarded-For", "10.1.2.3"));
        assertEquals("198.51.100.7", client(resolved));
    }

    @Test
    void junkInTheChainStopsTheWalk() throws Exception {
        assertEquals("10.1.2.3", client(proxies.resolve(from("127.0.0.1", "X-Forwarded-For", "1.2.3.4, evil.example, 10.1.2.3"))));
        assertEquals("127.0.0.1", client(proxies.resolve(from("127.0.0.1", "X-Forwarded-For", "not-an-ip"))));
        assertEquals("127.0.0.1", client(proxies.resolve(from("127.0.0.1", "X-Forwarded-For", "999.1.1.1"))));
        Request badProto = proxies.resolve(from("127.0.0.1", "X-Forwarded-For", "1.2.3.4", "X-Forwarded-Proto", "javascript"));
        assertEquals("http", badProto.scheme());
        Request badHost = proxies.resolve(from("127.0.0.1", "X-Forwarded-For", "1.2.3.4", "X-Forwarded-Host", "a b"));
        assertEquals(Optional.empty(), badHost.header("Host"));
    }

    @Test
    void forwardedHeaderWithIpv6AndQuotes() throws Exception {
        Request resolved = forwarded.resolve(from("::1",
                "Forwarded", "for=\"[2001:db8:cafe::17]:4711\";proto=https;host=\"app.example\"",
                "Forwarded", "for=10.0.0.5;proto=http"));
        assertEquals("2001:db8:cafe:0:0:0:0:17", client(resolved));
        assertEquals(4711, resolved.remoteAddress().getPort());
        assertEquals("https", resolved.scheme());
        assertEquals(Optional.of("app.example"), resolved.header("Host"));
    }

    @Test
    void onlyTheChosenFamilyIsRead() throws Exception {
        Request both = from("127.0.0.1", "Forwarded", "for=1.2.3.4;proto=https;host=evil.example",
                "X-Forwarded-For", "198.51.100.7");
        Request byDefault = proxies.resolve(both);
        assertEquals("198.51.100.7", client(byDefault));
        assertEquals("http", byDefault.scheme());
        assertEquals(Optional.empty(), byDefault.header("Host"));
        Request forwardedOnly = forwarded.resolve(from("127.0.0.1", "X-Forwarded-For", "198.51.100.7",
                "X-Forwarded-Proto", "https"));
        assertEquals("127.0.0.1", client(forwardedOnly));
        assertEquals("http", forwardedOnly.scheme());
        assertEquals(TrustedProxies.Family.X_FORWARDED, proxies.family());
    }

    @Test
    void obfuscatedNamesStopTheWalk() throws Exception {
        Request resolved = forwarded.resolve(from("127.0.0.1", "Forwarded", "for=_hidden, for=192.0.2.60",
                "X-Forwarded-For", "6.6.6.6"));
        assertEquals("192.0.2.60", client(resolved));
        Request unknown = forwarded.resolve(from("127.0.0.1", "Forwarded", "for=unknown"));
        assertEquals("127.0.0.1", client(unknown));
    }

    @Test
    void aMalformedForwardedHeaderIsIgnoredAsAWhole() throws Exception {
        for (String bad : new String[] {
                "for=1.2.3.4;for=5.6.7.8",                 // a parameter repeated within one element
                "for=1.2.3.4;proto=https;proto=http",
                "for=\"1.2.3.4",                           // unterminated quote
                "for=1.2.3.4 junk",
                "for=",
                "=1.2.3.4",
                "for=1.2.3.4, for=5.6.7.8;host=a;host=b"}) {
            Request resolved = forwarded.resolve(from("127.0.0.1", "Forwarded", bad));
            assertEquals("127.0.0.1", client(resolved), bad);
            assertEquals("http", resolved.scheme(), bad);
        }
    }

    @Test
    void forwardedHostsAreCheckedCharacterByCharacter() throws Exception {
        for (String host : new String[] {"\"evil<script>\"", "\"a\\\\b\"", "\"a\\\"b\"", "\"a b\"", "\"x/y\"", "\"u@h\"",
                "\"h:99999\"", "\"[zz::1]\""}) {
            Request resolved = forwarded.resolve(from("127.0.0.1", "Forwarded", "for=192.0.2.1;host=" + host));
            assertEquals("192.0.2.1", client(resolved), host);
            assertEquals(Optional.empty(), resolved.header("Host"), host);
        }
        Request good = forwarded.resolve(from("127.0.0.1", "Forwarded", "for=192.0.2.1;host=\"[::1]:8443\""));
        assertEquals(Optional.of("[::1]:8443"), good.header("Host"));
    }

    @Test
    void hostileLengthsAreNotParsed() throws Exception {
        String colons = ":".repeat(16 * 1024);
        for (int i = 0; i < 20; i++) {
            assertEquals("127.0.0.1", client(proxies.resolve(from("127.0.0.1", "X-Forwarded-For", colons))));
            assertEquals("127.0.0.1", client(forwarded.resolve(from("127.0.0.1", "Forwarded", "for=\"" + colons + "\""))));
            assertEquals("127.0.0.1", client(forwarded.resolve(from("127.0.0.1", "Forwarded", "for=a;".repeat(3000)))));
        }
        assertNull(TrustedProxies.literal(colons));
        assertNull(TrustedProxies.address(colons));
        String longChain = "10.0.0.1, ".repeat(40) + "198.51.100.7";
        assertEquals("127.0.0.1", client(proxies.resolve(from("127.0.0.1", "X-Forwarded-For", longChain))));
    }

    @Test
    void rangesMatchByPrefix() throws Exception {
        assertTrue(proxies.trusts(InetAddress.getByName("10.255.0.1")));
        assertFalse(proxies.trusts(InetAddress.getByName("11.0.0.1")));
        assertTrue(proxies.trusts(InetAddress.getByName("fd12::1")));
        assertFalse(proxies.trusts(InetAddress.getByName("fe80::1")));
        assertTrue(TrustedProxies.of("192.168.1.0/25").trusts(InetAddress.getByName("192.168.1.127")));
        assertFalse(TrustedProxies.of("192.168.1.0/25").trusts(InetAddress.getByName("192.168.1.128")));
        assertTrue(TrustedProxies.of("0.0.0.0/0").trusts(InetAddress.getByName("8.8.8.8")));
    }

    @Test
    void entriesMustBeLiterals() {
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.of("proxy.example"));
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.of("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.of("10.0.0.0/x"));
        assertNull(TrustedProxies.literal("localhost"));
        assertNull(TrustedProxies.address("[::1"));
        assertEquals(80, TrustedProxies.address("1.2.3.4:80").getPort());
        assertEquals(0, TrustedProxies.address("::1").getPort());
    }

    @Test
    void fromTheEnvironment() throws Exception {
        Properties properties = new Properties();
        TrustedProxies none = TrustedProxies.from(Map.of(), properties);
        assertFalse(none.trusts(InetAddress.getByName("127.0.0.1")));
        TrustedProxies some = TrustedProxies.from(Map.of("FERRY_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"), properties);
        assertTrue(some.trusts(InetAddress.getByName("10.9.9.9")));
        assertEquals(TrustedProxies.Family.X_FORWARDED, some.family());
        properties.setProperty("ferry.trusted-proxy-headers", "forwarded");
        assertEquals(TrustedProxies.Family.FORWARDED, TrustedProxies.from(Map.of(), properties).family());
        properties.setProperty("ferry.trusted-proxy-headers", "both");
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.from(Map.of(), properties));
    }

    @Test
    void asAFilter() throws Exception {
        Handler app = request -> Response.text(client(request) + " " + request.scheme());
        Response response = TestClient.of(proxies.filter().then(app))
                .send(from("127.0.0.1", "X-Forwarded-For", "198.51.100.7", "X-Forwarded-Proto", "https"));
        assertEquals("198.51.100.7 https", response.body().text());
    }
}
