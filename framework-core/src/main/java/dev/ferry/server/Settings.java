package dev.ferry.server;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The {@code ferry.*} keys Ferry reads, and the warning for one it does not. */
final class Settings {

    private static final System.Logger LOG = System.getLogger("dev.ferry");

    /**
     * Every key read anywhere in Ferry, without the {@code ferry.} prefix: the server settings, then
     * those of other parts (trusted proxies, the dev server, the Netty transport, the examples).
     */
    static final Set<String> KNOWN = Set.of(
            "host", "port", "server", "max-request-line", "max-header-bytes", "max-header-count", "max-request-body",
            "request-header-timeout", "body-read-timeout", "idle-timeout", "max-connections", "shutdown-grace",
            "execution", "access-log", "http2", "http2-max-streams", "tls.cert", "tls.key", "tls.keystore", "tls.keystore-password", "tls.keystore-type",
            "websocket-max-message", "websocket-idle-timeout",
            "trusted-proxies", "trusted-proxy-headers", "reload", "reload.classes", "netty.transport", "app",
            "instance", "example", "java");
    /** Prefixes of keys that belong to tools rather than to a running server. */
    private static final Set<String> KNOWN_PREFIXES = Set.of("fuzz.");

    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private Settings() {
    }

    /** Warns once per key about a {@code ferry.*} property or {@code FERRY_*} variable that names no setting. */
    static void warnUnknown(Map<String, String> environment, Properties properties) {
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith("ferry.")) {
                check(name, name.substring("ferry.".length()), false);
            }
        }
        for (String name : environment.keySet()) {
            if (name.startsWith("FERRY_")) {
                check(name, name.substring("FERRY_".length()).toLowerCase(Locale.ROOT).replace('_', '-'), true);
            }
        }
    }

    /** Returns the warning for a key, or null when it is known. */
    static String problem(String name, String key, boolean variable) {
        if (known(key, variable)) {
            return null;
        }
        String nearest = null;
        int best = Integer.MAX_VALUE;
        for (String candidate : KNOWN) {
            int distance = distance(key, variable ? candidate.replace('.', '-') : candidate);
            if (distance < best || distance == best && candidate.compareTo(nearest) < 0) {
                best = distance;
                nearest = candidate;
            }
        }
        StringBuilder message = new StringBuilder("unknown setting ").append(dev.ferry.internal.Fields.printable(name));
        if (nearest != null && best <= Math.max(2, key.length() / 3)) {
            message.append("; did you mean ").append(variable
                    ? "FERRY_" + nearest.replace('-', '_').replace('.', '_').toUpperCase(Locale.ROOT)
                    : "ferry." + nearest).append('?');
        } else {
            message.append("; it is ignored");
        }
        return message.toString();
    }

    private static boolean known(String key, boolean variable) {
        for (String candidate : KNOWN) {
            if (key.equals(variable ? candidate.replace('.', '-') : candidate)) {
                return true;
            }
        }
        for (String prefix : KNOWN_PREFIXES) {
            if (key.startsWith(variable ? prefix.replace('.', '-') : prefix)) {
                return true;
            }
        }
        return false;
    }

    private static void check(String name, String key, boolean variable) {
        String problem = problem(name, key, variable);
        if (problem != null && WARNED.add(name)) {
            LOG.log(System.Logger.Level.WARNING, problem);
        }
    }

    /** Returns the Levenshtein distance between the two keys. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
