package dev.ferry.dev.internal;

import dev.ferry.server.ServerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps Ferry's limits onto the JDK server's {@code sun.net.httpserver.*} and
 * {@code jdk.httpserver.*} system properties. The JDK reads them once per JVM, when its first
 * server is created, so they follow the first dev server's settings; a value the user set on the
 * command line is never overridden.
 *
 * <p>What each does on JDK 25 (verified with raw sockets): {@code maxReqTime} (seconds) closes a
 * connection whose request, headers and body, is not fully received in time, without a response;
 * {@code idleInterval} (seconds, checked every {@code clockTick} ms) closes idle keep-alive
 * connections and connections that never send a byte; {@code jdk.httpserver.maxConnections}
 * accepts and at once closes connections beyond the limit; {@code maxReqHeaders} and
 * {@code maxReqHeaderSize} (request line included) close the connection without a response. Ferry
 * answers 414 and 431 itself below those outer bounds, which are set above its own limits.
 */
final class JdkSettings {

    private static final System.Logger LOG = System.getLogger("dev.ferry.dev");
    private static Map<String, String> applied;

    private JdkSettings() {
    }

    /** Sets the properties for this configuration unless a JDK server already read them. */
    static synchronized void apply(ServerConfig config) {
        Map<String, String> wanted = properties(config);
        if (applied == null) {
            applied = new LinkedHashMap<>();
            wanted.forEach((key, value) -> {
                String set = System.getProperty(key);
                if (set == null) {
                    System.setProperty(key, value);
                    set = value;
                }
                applied.put(key, set);
            });
            return;
        }
        List<String> ignored = new ArrayList<>();
        wanted.forEach((key, value) -> {
            if (!value.equals(applied.get(key))) {
                ignored.add(key + "=" + value + " (in effect: " + applied.get(key) + ")");
            }
        });
        if (!ignored.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "The JDK's HTTP server reads its timeouts and connection limits once per JVM; "
                    + "this dev server keeps those of the first one: " + String.join(", ", ignored));
        }
    }

    static Map<String, String> properties(ServerConfig config) {
        Map<String, String> p = new LinkedHashMap<>();
        long idleMillis = config.idleTimeout().toMillis();
        p.put("sun.net.httpserver.maxReqTime", Long.toString(seconds(config.requestHeaderTimeout())));
        p.put("sun.net.httpserver.idleInterval", Long.toString(seconds(config.idleTimeout())));
        p.put("sun.net.httpserver.clockTick", Long.toString(Math.max(100, Math.min(1000, idleMillis / 4))));
        p.put("jdk.httpserver.maxConnections", Integer.toString(config.maxConnections()));
        p.put("sun.net.httpserver.maxIdleConnections", Integer.toString(config.maxConnections()));
        p.put("sun.net.httpserver.maxReqHeaders", Integer.toString(Math.max(200, 2 * config.maxHeaderCount())));
        long size = Math.max(380L * 1024,
                2L * (config.maxRequestLine() + config.maxHeaderBytes()) + 64L * config.maxHeaderCount());
        p.put("sun.net.httpserver.maxReqHeaderSize", Long.toString(Math.min(Integer.MAX_VALUE, size)));
        p.put("sun.net.httpserver.nodelay", "true");
        return p;
    }

    /** The JDK counts whole seconds; a partial second rounds up so no limit is shorter than asked. */
    private static long seconds(Duration duration) {
        long s = duration.toSeconds();
        return duration.toNanosPart() > 0 || s == 0 ? s + 1 : s;
    }
}
