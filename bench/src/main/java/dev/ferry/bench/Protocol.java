package dev.ferry.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * How an A/B ratio loads its two servers: the wire protocol, whether the port serves TLS (then with the same
 * certificate on both sides, {@link BenchCertificate}), whether the raw baseline needs its HTTP/2 turned on,
 * and the tool that drives the load.
 */
public enum Protocol {

    /** HTTP/1.1 over plain TCP, loaded by wrk: the original rows. */
    H1("h1", false, false, "wrk"),
    /** HTTP/1.1 over TLS (no ALPN from the client), loaded by wrk on kept-alive connections. */
    H1_TLS("h1-tls", true, false, "wrk"),
    /** HTTP/2 over plain TCP with prior knowledge (h2load's default for an http URI), loaded by h2load. */
    H2C("h2c", false, true, "h2load"),
    /** HTTP/2 over TLS, agreed by ALPN (h2load offers only {@code h2}), loaded by h2load. */
    H2("h2", true, true, "h2load"),
    /**
     * New TLS connections per second: {@code openssl s_time -new}, each connection a full handshake (no
     * resumption) and one HTTP/1.0 request read to the server's close, from several processes at once.
     */
    HANDSHAKE("handshake", true, false, "openssl");

    private final String label;
    private final boolean tls;
    private final boolean http2;
    private final String tool;

    Protocol(String label, boolean tls, boolean http2, String tool) {
        this.label = label;
        this.tls = tls;
        this.http2 = http2;
        this.tool = tool;
    }

    /** Returns the name used on the command line and in reports: {@code h1}, {@code h1-tls}, {@code h2c}, {@code h2}, {@code handshake}. */
    public String label() {
        return label;
    }

    /** Returns whether both servers serve TLS. */
    public boolean tls() {
        return tls;
    }

    /** Returns whether the raw baseline runs with its HTTP/2 support on ({@code -Draw.http2=true}). */
    public boolean http2() {
        return http2;
    }

    /** Returns the program that drives the load. */
    public String tool() {
        return tool;
    }

    /** Returns the protocol with this label. */
    public static Protocol of(String label) {
        String wanted = label.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(p -> p.label.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown protocol '" + label + "', expected one of "
                        + Arrays.stream(values()).map(Protocol::label).toList()));
    }
}
