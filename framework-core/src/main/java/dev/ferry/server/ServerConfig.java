package dev.ferry.server;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;

/**
 * Where a server listens, its limits, timeouts and shutdown grace, and how it runs handlers. Every
 * server maps these onto its own options and answers the same way when a limit is exceeded. Build
 * one with {@link #builder()}, or take the defaults overridden by {@code ferry.*} system properties
 * and {@code FERRY_*} environment variables with {@link #fromEnvironment()}.
 *
 * <table>
 * <caption>Settings, their property and default</caption>
 * <tr><th>setting</th><th>property (variable)</th><th>default</th></tr>
 * <tr><td>host</td><td>ferry.host (FERRY_HOST)</td><td>the server's own: 127.0.0.1 for the dev server, every interface otherwise</td></tr>
 * <tr><td>port</td><td>ferry.port (FERRY_PORT)</td><td>8080; 0 picks a free port</td></tr>
 * <tr><td>server</td><td>ferry.server (FERRY_SERVER)</td><td>chosen from the class path</td></tr>
 * <tr><td>max request line</td><td>ferry.max-request-line</td><td>8 KiB, else 414</td></tr>
 * <tr><td>max header bytes / count</td><td>ferry.max-header-bytes, ferry.max-header-count</td><td>16 KiB / 100, else 431</td></tr>
 * <tr><td>max request body</td><td>ferry.max-request-body</td><td>10 MiB, else 413</td></tr>
 * <tr><td>request header timeout</td><td>ferry.request-header-timeout</td><td>10 s</td></tr>
 * <tr><td>request body read timeout</td><td>ferry.body-read-timeout</td><td>30 s without a byte, and 1 KiB/s on average after the first 30 s; else 408 (or a cut connection once the response has begun)</td></tr>
 * <tr><td>idle timeout</td><td>ferry.idle-timeout</td><td>60 s</td></tr>
 * <tr><td>max connections</td><td>ferry.max-connections</td><td>10,000</td></tr>
 * <tr><td>shutdown grace</td><td>ferry.shutdown-grace</td><td>30 s</td></tr>
 * <tr><td>execution</td><td>ferry.execution: virtual or io</td><td>the server's own (virtual threads on most; see its README)</td></tr>
 * <tr><td>max WebSocket message</td><td>ferry.websocket-max-message</td><td>64 KiB; a longer message closes the connection with 1009</td></tr>
 * <tr><td>WebSocket idle timeout</td><td>ferry.websocket-idle-timeout</td><td>5 min without a frame either way; then closed with 1001</td></tr>
 * <tr><td>HTTP/2</td><td>ferry.http2: true or false</td><td>true on the production servers: h2c with prior knowledge, and h2 by ALPN on TLS</td></tr>
 * <tr><td>HTTP/2 streams</td><td>ferry.http2-max-streams</td><td>100 concurrent streams a connection (SETTINGS_MAX_CONCURRENT_STREAMS)</td></tr>
 * <tr><td>access log</td><td>ferry.access-log: true or false</td><td>false; true logs one line per request to the {@code dev.ferry.access} logger</td></tr>
 * <tr><td>TLS from PEM files</td><td>ferry.tls.cert and ferry.tls.key (FERRY_TLS_CERT, FERRY_TLS_KEY)</td><td>none: plain HTTP</td></tr>
 * <tr><td>TLS from a keystore</td><td>ferry.tls.keystore, ferry.tls.keystore-password, ferry.tls.keystore-type (PKCS12 or JKS)</td><td>none: plain HTTP</td></tr>
 * </table>
 *
 * <p>Sizes accept a number of bytes, or a number with a unit: {@code k}, {@code KB} or {@code KiB}
 * for 1024 bytes, {@code m}, {@code MB} or {@code MiB} for 1024², {@code g}, {@code GB} or {@code GiB}
 * for 1024³ (binary, as the JVM's {@code -Xmx} and Spring Boot read them), in any case, such as
 * {@code 10MB}, {@code 10MiB}, {@code 10m} or {@code 512k}. Durations accept ISO-8601 ({@code PT10S}),
 * a number of seconds, or a number with {@code ms}, {@code s}, {@code m}, {@code min}, {@code h} or
 * {@code d}. A malformed value fails with a message naming the setting, the value and the forms
 * accepted; a {@code ferry.*} property or {@code FERRY_*} variable that names no setting is logged
 * once as a warning naming the closest setting.
 */
public final class ServerConfig {

    private static final ServerConfig DEFAULTS = new Builder().build();

    private final String host;
    private final int port;
    private final String server;
    private final int maxRequestLine;
    private final int maxHeaderBytes;
    private final int maxHeaderCount;
    private final long maxRequestBody;
    private final Duration requestHeaderTimeout;
    private final Duration bodyReadTimeout;
    private final Duration idleTimeout;
    private final int maxConnections;
    private final Duration shutdownGrace;
    private final Execution execution;
    private final boolean accessLog;
    private final boolean http2;
    private final int http2MaxStreams;
    private final Tls tls;
    private final int maxWebSocketMessage;
    private final Duration webSocketIdleTimeout;

    private ServerConfig(Builder b) {
        host = b.host;
        port = b.port;
        server = b.server;
        maxRequestLine = b.maxRequestLine;
        maxHeaderBytes = b.maxHeaderBytes;
        maxHeaderCount = b.maxHeaderCount;
        maxRequestBody = b.maxRequestBody;
        requestHeaderTimeout = b.requestHeaderTimeout;
        bodyReadTimeout = b.bodyReadTimeout;
        idleTimeout = b.idleTimeout;
        maxConnections = b.maxConnections;
        shutdownGrace = b.shutdownGrace;
        execution = b.execution;
        accessLog = b.accessLog;
        http2 = b.http2;
        http2MaxStreams = b.http2MaxStreams;
        tls = b.tls;
        maxWebSocketMessage = b.maxWebSocketMessage;
        webSocketIdleTimeout = b.webSocketIdleTimeout;
    }

    /** Returns the defaults of the limits table. */
    public static ServerConfig defaults() {
        return DEFAULTS;
    }

    /** Returns a builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the defaults overridden by {@code FERRY_*} environment variables, then by {@code ferry.*} system properties. */
    public static ServerConfig fromEnvironment() {
        return from(System.getenv(), System.getProperties());
    }

    /**
     * Returns the defaults overridden by these environment variables, then by these properties.
     *
     * @throws IllegalArgumentException naming the setting whose value is malformed
     */
    public static ServerConfig from(Map<String, String> environment, Properties properties) {
        Function<String, String> lookup = key -> {
            String value = properties.getProperty("ferry." + key);
            if (value == null) {
                value = environment.get("FERRY_" + key.replace('-', '_').replace('.', '_').toUpperCase(Locale.ROOT));
            }
            return value == null || value.isBlank() ? null : value.trim();
        };
        Builder b = builder();
        apply(lookup, "host", v -> b.host(v));
        apply(lookup, "port", v -> b.port(Integer.parseInt(v)));
        apply(lookup, "server", v -> b.server(v));
        apply(lookup, "max-request-line", v -> b.maxRequestLine(Math.toIntExact(parseSize(v))));
        apply(lookup, "max-header-bytes", v -> b.maxHeaderBytes(Math.toIntExact(parseSize(v))));
        apply(lookup, "max-header-count", v -> b.maxHeaderCount(Integer.parseInt(v)));
        apply(lookup, "max-request-body", v -> b.maxRequestBody(parseSize(v)));
        apply(lookup, "request-header-timeout", v -> b.requestHeaderTimeout(parseDuration(v)));
        apply(lookup, "body-read-timeout", v -> b.bodyReadTimeout(parseDuration(v)));
        apply(lookup, "idle-timeout", v -> b.idleTimeout(parseDuration(v)));
        apply(lookup, "max-connections", v -> b.maxConnections(Integer.parseInt(v)));
        apply(lookup, "shutdown-grace", v -> b.shutdownGrace(parseDuration(v)));
        apply(lookup, "execution", v -> b.execution(parseExecution(v)));
        apply(lookup, "access-log", v -> b.accessLog(parseBoolean(v)));
        apply(lookup, "http2", v -> b.http2(parseBoolean(v)));
        apply(lookup, "http2-max-streams", v -> b.http2MaxStreams(Integer.parseInt(v)));
        String cert = lookup.apply("tls.cert");
        String key = lookup.apply("tls.key");
        String keystore = lookup.apply("tls.keystore");
        if (keystore != null) {
            if (cert != null || key != null) {
                throw new IllegalArgumentException("ferry.tls.keystore and ferry.tls.cert/ferry.tls.key: set one or the other");
            }
            b.tls(Tls.keystore(java.nio.file.Path.of(keystore), lookup.apply("tls.keystore-password"),
                    lookup.apply("tls.keystore-type")));
        } else if (cert != null || key != null) {
            if (cert == null || key == null) {
                throw new IllegalArgumentException("ferry.tls.cert (FERRY_TLS_CERT) and ferry.tls.key (FERRY_TLS_KEY): "
                        + "TLS from PEM files needs both, the certificate chain and the private key");
            }
            b.tls(Tls.pem(java.nio.file.Path.of(cert), java.nio.file.Path.of(key)));
        }
        apply(lookup, "websocket-max-message", v -> b.maxWebSocketMessage(Math.toIntExact(parseSize(v))));
        apply(lookup, "websocket-idle-timeout", v -> b.webSocketIdleTimeout(parseDuration(v)));
        Settings.warnUnknown(environment, properties);
        return b.build();
    }

    private static void apply(Function<String, String> lookup, String key, java.util.function.Consumer<String> setter) {
        String value = lookup.apply(key);
        if (value != null) {
            try {
                setter.accept(value);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("ferry." + key + " (FERRY_" + key.replace('-', '_').toUpperCase(Locale.ROOT)
                        + "): cannot use '" + value + "': " + e.getMessage(), e);
            }
        }
    }

    private static final String SIZES = "expected a number of bytes, or a number with k, KB or KiB (1024 bytes), "
            + "m, MB or MiB (1024 KiB) or g, GB or GiB (1024 MiB), such as 512k or 10MB";
    private static final String DURATIONS = "expected ISO-8601 such as PT10S, a number of seconds, or a number with "
            + "ms, s, m, min, h or d, such as 500ms or 30s";

    /**
     * Parses a size: bytes, or a number with a binary unit ({@code 10MB} is 10 × 1024² bytes).
     *
     * @throws IllegalArgumentException listing the forms accepted
     */
    static long parseSize(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        int digits = 0;
        while (digits < t.length() && t.charAt(digits) >= '0' && t.charAt(digits) <= '9') {
            digits++;
        }
        if (digits == 0 || digits > 18) {
            throw new IllegalArgumentException(SIZES);
        }
        long unit = switch (t.substring(digits).trim()) {
            case "", "b" -> 1L;
            case "k", "kb", "kib" -> 1L << 10;
            case "m", "mb", "mib" -> 1L << 20;
            case "g", "gb", "gib" -> 1L << 30;
            default -> throw new IllegalArgumentException(SIZES);
        };
        try {
            return Math.multiplyExact(Long.parseLong(t.substring(0, digits)), unit);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("too large; " + SIZES);
        }
    }

    /**
     * Parses a duration: ISO-8601, seconds, or a number with a unit.
     *
     * @throws IllegalArgumentException listing the forms accepted
     */
    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("p")) {
            try {
                return Duration.parse(text.trim());
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(DURATIONS);
            }
        }
        int digits = 0;
        while (digits < t.length() && t.charAt(digits) >= '0' && t.charAt(digits) <= '9') {
            digits++;
        }
        if (digits == 0 || digits > 18) {
            throw new IllegalArgumentException(DURATIONS);
        }
        long amount = Long.parseLong(t.substring(0, digits));
        try {
            return switch (t.substring(digits).trim()) {
                case "ms" -> Duration.ofMillis(amount);
                case "", "s" -> Duration.ofSeconds(amount);
                case "m", "min" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                case "d" -> Duration.ofDays(amount);
                default -> throw new IllegalArgumentException(DURATIONS);
            };
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("too long; " + DURATIONS);
        }
    }

    private static boolean parseBoolean(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes", "1" -> true;
            case "false", "off", "no", "0" -> false;
            default -> throw new IllegalArgumentException("expected true or false");
        };
    }

    private static Execution parseExecution(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "virtual", "virtual-threads", "virtual_threads" -> Execution.VIRTUAL_THREADS;
            case "io", "io-thread", "io_thread", "inline" -> Execution.IO_THREAD;
            default -> throw new IllegalArgumentException("expected 'virtual' or 'io'");
        };
    }

    /** Returns the host to bind, if set; otherwise the server picks its own default. */
    public Optional<String> host() {
        return Optional.ofNullable(host);
    }

    /** Returns the port to bind; 0 picks a free one. */
    public int port() {
        return port;
    }

    /** Returns the name of the server asked for, if any ({@code dev}, {@code undertow}, {@code netty}, {@code tomcat}). */
    public Optional<String> server() {
        return Optional.ofNullable(server);
    }

    /** Returns the longest request line accepted, in bytes; longer gets 414. */
    public int maxRequestLine() {
        return maxRequestLine;
    }

    /** Returns the most header bytes accepted, request line excluded; more gets 431. */
    public int maxHeaderBytes() {
        return maxHeaderBytes;
    }

    /** Returns the most header fields accepted; more gets 431. */
    public int maxHeaderCount() {
        return maxHeaderCount;
    }

    /** Returns the largest request body accepted, in bytes; larger gets 413. */
    public long maxRequestBody() {
        return maxRequestBody;
    }

    /** Returns how long a client may take to send a request's line and headers. */
    public Duration requestHeaderTimeout() {
        return requestHeaderTimeout;
    }

    /**
     * Returns how long a request body may go without a byte arriving while the app reads it; past this
     * time it must also have arrived at 1 KiB/s on average, so that a client dripping bytes is cut too.
     * Then the read fails, the answer is 408 if the response has not begun, and the connection closes.
     */
    public Duration bodyReadTimeout() {
        return bodyReadTimeout;
    }

    /** Returns how long an idle keep-alive connection stays open. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** Returns the most connections open at once. */
    public int maxConnections() {
        return maxConnections;
    }

    /** Returns how long a stop waits for requests in flight before closing connections. */
    public Duration shutdownGrace() {
        return shutdownGrace;
    }

    /** Returns where handlers run, if set; otherwise the server runs them where it runs them best. */
    public Optional<Execution> execution() {
        return Optional.ofNullable(execution);
    }

    /**
     * Returns whether every request is logged, one line each, to the {@code dev.ferry.access}
     * {@link System.Logger} at INFO: client address, method, target, status, body bytes sent and time
     * taken, the same on every server.
     */
    public boolean accessLog() {
        return accessLog;
    }

    /**
     * Returns whether a production server speaks HTTP/2 too: to a client that opens with the HTTP/2
     * preface (h2c with prior knowledge) and, on TLS, to one that picks {@code h2} by ALPN.
     */
    public boolean http2() {
        return http2;
    }

    /** Returns how many streams an HTTP/2 client may have open at once on one connection. */
    public int http2MaxStreams() {
        return http2MaxStreams;
    }

    /**
     * Returns where the certificate and key come from when the server speaks TLS (HTTPS) on its port;
     * empty for plain HTTP.
     */
    public Optional<Tls> tls() {
        return Optional.ofNullable(tls);
    }

    /** Returns the largest WebSocket message, in bytes (UTF-8 for text); a longer one closes the connection with 1009. */
    public int maxWebSocketMessage() {
        return maxWebSocketMessage;
    }

    /** Returns how long a WebSocket connection may go without a frame either way before it is closed with 1001. */
    public Duration webSocketIdleTimeout() {
        return webSocketIdleTimeout;
    }

    /** Returns a builder holding these settings. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerConfig c && Objects.equals(host, c.host) && port == c.port
                && Objects.equals(server, c.server) && maxRequestLine == c.maxRequestLine
                && maxHeaderBytes == c.maxHeaderBytes && maxHeaderCount == c.maxHeaderCount
                && maxRequestBody == c.maxRequestBody && requestHeaderTimeout.equals(c.requestHeaderTimeout)
                && bodyReadTimeout.equals(c.bodyReadTimeout) && idleTimeout.equals(c.idleTimeout) && maxConnections == c.maxConnections
                && shutdownGrace.equals(c.shutdownGrace) && execution == c.execution && accessLog == c.accessLog
                && http2 == c.http2 && http2MaxStreams == c.http2MaxStreams
                && Objects.equals(tls, c.tls)
                && maxWebSocketMessage == c.maxWebSocketMessage && webSocketIdleTimeout.equals(c.webSocketIdleTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, port, server, maxRequestLine, maxHeaderBytes, maxHeaderCount, maxRequestBody,
                requestHeaderTimeout, bodyReadTimeout, idleTimeout, maxConnections, shutdownGrace, execution, accessLog, http2, http2MaxStreams,
                maxWebSocketMessage, webSocketIdleTimeout, tls);
    }

    @Override
    public String toString() {
        return "ServerConfig[host=" + host + ", port=" + port + ", server=" + server + ", maxRequestLine="
                + maxRequestLine + ", maxHeaderBytes=" + maxHeaderBytes + ", maxHeaderCount=" + maxHeaderCount
                + ", maxRequestBody=" + maxRequestBody + ", requestHeaderTimeout=" + requestHeaderTimeout
                + ", bodyReadTimeout=" + bodyReadTimeout + ", idleTimeout=" + idleTimeout + ", maxConnections=" + maxConnections + ", shutdownGrace="
                + shutdownGrace + ", execution=" + execution + ", accessLog=" + accessLog + ", http2=" + http2 + ", http2MaxStreams=" + http2MaxStreams
                + ", maxWebSocketMessage=" + maxWebSocketMessage + ", webSocketIdleTimeout=" + webSocketIdleTimeout + ", tls=" + tls + "]";
    }

    /** Sets what differs from the defaults. */
    public static final class Builder {
        private String host;
        private int port = 8080;
        private String server;
        private int maxRequestLine = 8 * 1024;
        private int maxHeaderBytes = 16 * 1024;
        private int maxHeaderCount = 100;
        private long maxRequestBody = 10L * 1024 * 1024;
        private Duration requestHeaderTimeout = Duration.ofSeconds(10);
        private Duration bodyReadTimeout = Duration.ofSeconds(30);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private int maxConnections = 10_000;
        private Duration shutdownGrace = Duration.ofSeconds(30);
        private Execution execution;
        private boolean accessLog;
        private boolean http2 = true;
        private int http2MaxStreams = 100;
        private Tls tls;
        private int maxWebSocketMessage = 64 * 1024;
        private Duration webSocketIdleTimeout = Duration.ofMinutes(5);

        private Builder() {
        }

        private Builder(ServerConfig c) {
            host = c.host;
            port = c.port;
            server = c.server;
            maxRequestLine = c.maxRequestLine;
            maxHeaderBytes = c.maxHeaderBytes;
            maxHeaderCount = c.maxHeaderCount;
            maxRequestBody = c.maxRequestBody;
            requestHeaderTimeout = c.requestHeaderTimeout;
            bodyReadTimeout = c.bodyReadTimeout;
            idleTimeout = c.idleTimeout;
            maxConnections = c.maxConnections;
            shutdownGrace = c.shutdownGrace;
            execution = c.execution;
            accessLog = c.accessLog;
            http2 = c.http2;
            http2MaxStreams = c.http2MaxStreams;
            tls = c.tls;
            maxWebSocketMessage = c.maxWebSocketMessage;
            webSocketIdleTimeout = c.webSocketIdleTimeout;
        }

        /** Sets the host or address to bind. */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** Sets the port; 0 picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("a port is 0 to 65535");
            }
            this.port = port;
            return this;
        }

        /** Asks for a server by name. */
        public Builder server(String server) {
            this.server = server;
            return this;
        }

        /** Sets the longest request line, in bytes. */
        public Builder maxRequestLine(int bytes) {
            this.maxRequestLine = positive(bytes);
            return this;
        }

        /** Sets the most header bytes. */
        public Builder maxHeaderBytes(int bytes) {
            this.maxHeaderBytes = positive(bytes);
            return this;
        }

        /** Sets the most header fields. */
        public Builder maxHeaderCount(int count) {
            this.maxHeaderCount = positive(count);
            return this;
        }

        /** Sets the largest request body, in bytes. */
        public Builder maxRequestBody(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("must not be negative");
            }
            this.maxRequestBody = bytes;
            return this;
        }

        /** Sets how long a client may take to send a request's line and headers. */
        public Builder requestHeaderTimeout(Duration timeout) {
            this.requestHeaderTimeout = positive(timeout);
            return this;
        }

        /** Sets how long a request body may go without a byte arriving. */
        public Builder bodyReadTimeout(Duration timeout) {
            this.bodyReadTimeout = positive(timeout);
            return this;
        }

        /** Sets how long an idle keep-alive connection stays open. */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout);
            return this;
        }

        /** Sets the most connections open at once. */
        public Builder maxConnections(int count) {
            this.maxConnections = positive(count);
            return this;
        }

        /** Sets how long a stop waits for requests in flight. */
        public Builder shutdownGrace(Duration grace) {
            if (grace.isNegative()) {
                throw new IllegalArgumentException("must not be negative");
            }
            this.shutdownGrace = grace;
            return this;
        }

        /** Sets where handlers run. */
        public Builder execution(Execution execution) {
            this.execution = Objects.requireNonNull(execution);
            return this;
        }

        /** Logs every request to the {@code dev.ferry.access} logger, or not (the default). */
        public Builder accessLog(boolean on) {
            this.accessLog = on;
            return this;
        }

        /** Turns HTTP/2 on (the default) or off; off, a server answers the HTTP/2 preface with 505. */
        public Builder http2(boolean on) {
            this.http2 = on;
            return this;
        }

        /** Sets how many streams an HTTP/2 client may have open at once on one connection. */
        public Builder http2MaxStreams(int streams) {
            this.http2MaxStreams = positive(streams);
            return this;
        }

        /** Serves TLS (HTTPS) with this certificate and key, or plain HTTP when null (the default). */
        public Builder tls(Tls tls) {
            this.tls = tls;
            return this;
        }

        /** Sets the largest WebSocket message, in bytes (UTF-8 for text). */
        public Builder maxWebSocketMessage(int bytes) {
            this.maxWebSocketMessage = positive(bytes);
            return this;
        }

        /** Sets how long a WebSocket connection may go without a frame either way. */
        public Builder webSocketIdleTimeout(Duration timeout) {
            this.webSocketIdleTimeout = positive(timeout);
            return this;
        }

        /** Returns the settings. */
        public ServerConfig build() {
            return new ServerConfig(this);
        }

        private static int positive(int value) {
            if (value <= 0) {
                throw new IllegalArgumentException("must be positive");
            }
            return value;
        }

        private static Duration positive(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("must be positive");
            }
            return value;
        }
    }
}
