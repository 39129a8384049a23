package dev.ferry;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Addresses and CIDR ranges of reverse proxies whose forwarding headers are believed, and which of
 * the two header families they set: {@code X-Forwarded-For/-Proto/-Host/-Port} (the default, what
 * nginx, HAProxy and most load balancers set) or {@code Forwarded} (RFC 7239). The other family is
 * never read, so a client cannot slip one past a proxy that only rewrites the other. Only when the
 * direct peer is trusted do these headers change {@link Request#remoteAddress()},
 * {@link Request#scheme()} and the {@code Host} header; the client is the first address, walking the
 * chain from the nearest proxy back, that is not itself a trusted proxy. A malformed or oversized
 * header is ignored as a whole. Use it as a filter:
 * {@code TrustedProxies.of("127.0.0.1").filter().then(app)}.
 */
public final class TrustedProxies {

    /** Which forwarding headers the trusted proxies set. */
    public enum Family {
        /** {@code X-Forwarded-For}, {@code -Proto}, {@code -Host} and {@code -Port}. */
        X_FORWARDED,
        /** {@code Forwarded} (RFC 7239). */
        FORWARDED
    }

    /** The most bytes of one header family read; a longer one is ignored as a whole. */
    private static final int MAX_HEADER = 4096;
    /** The most hops read; a longer chain is ignored as a whole. */
    private static final int MAX_HOPS = 32;
    /** The longest address with port, {@code [ffff:...:255.255.255.255]:65535} being 53. */
    private static final int MAX_ADDRESS = 64;

    private final List<Range> ranges;
    private final Family family;

    private TrustedProxies(List<Range> ranges, Family family) {
        this.ranges = List.copyOf(ranges);
        this.family = family;
    }

    /**
     * Trusts these IP addresses and CIDR ranges, such as {@code 127.0.0.1}, {@code 10.0.0.0/8},
     * {@code ::1} or {@code fd00::/8}, to set the {@code X-Forwarded-*} headers.
     *
     * @throws IllegalArgumentException for anything that is not an IP literal or range; host names are not looked up
     */
    public static TrustedProxies of(String... addressesOrRanges) {
        return of(List.of(addressesOrRanges));
    }

    /** Trusts these IP addresses and CIDR ranges to set the {@code X-Forwarded-*} headers. */
    public static TrustedProxies of(Collection<String> addressesOrRanges) {
        List<Range> ranges = new ArrayList<>();
        for (String entry : addressesOrRanges) {
            ranges.add(Range.parse(entry.trim()));
        }
        return new TrustedProxies(ranges, Family.X_FORWARDED);
    }

    /** Returns a copy that reads this header family, and only this one. */
    public TrustedProxies reading(Family family) {
        return new TrustedProxies(ranges, java.util.Objects.requireNonNull(family));
    }

    /** Returns the header family read. */
    public Family family() {
        return family;
    }

    /**
     * Trusts the comma-separated list in {@code ferry.trusted-proxies} or {@code FERRY_TRUSTED_PROXIES}
     * (none if unset), reading the family named by {@code ferry.trusted-proxy-headers} or
     * {@code FERRY_TRUSTED_PROXY_HEADERS}: {@code x-forwarded} (the default) or {@code forwarded}.
     */
    public static TrustedProxies fromEnvironment() {
        return from(System.getenv(), System.getProperties());
    }

    static TrustedProxies from(Map<String, String> environment, Properties properties) {
        String list = properties.getProperty("ferry.trusted-proxies", environment.get("FERRY_TRUSTED_PROXIES"));
        String headers = properties.getProperty("ferry.trusted-proxy-headers", environment.get("FERRY_TRUSTED_PROXY_HEADERS"));
        Family family = Family.X_FORWARDED;
        if (headers != null && !headers.isBlank()) {
            family = switch (headers.trim().toLowerCase(Locale.ROOT)) {
                case "x-forwarded" -> Family.X_FORWARDED;
                case "forwarded" -> Family.FORWARDED;
                default -> throw new IllegalArgumentException("ferry.trusted-proxy-headers (FERRY_TRUSTED_PROXY_HEADERS): "
                        + "cannot use '" + headers.trim() + "': expected 'x-forwarded' or 'forwarded'");
            };
        }
        if (list == null || list.isBlank()) {
            return new TrustedProxies(List.of(), family);
        }
        List<String> entries = new ArrayList<>();
        for (String entry : list.split(",")) {
            entries.add(entry.trim());
        }
        return of(entries).reading(family);
    }

    /** Returns whether the address is one of the trusted proxies. */
    public boolean trusts(InetAddress address) {
        for (Range range : ranges) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** Returns a filter that applies {@link #resolve(Request)} before the app sees a request. */
    public Filter filter() {
        return next -> request -> next.handle(resolve(request));
    }

    /** Returns the request as the client sent it to the first trusted proxy, or unchanged when the peer is not trusted. */
    public Request resolve(Request request) {
        InetSocketAddress peer = request.remoteAddress();
        if (peer.isUnresolved() || !trusts(peer.getAddress())) {
            return request;
        }
        return family == Family.FORWARDED ? fromForwarded(request) : fromXForwarded(request);
    }

    /** One element of a {@code Forwarded} header. */
    private record Hop(String forValue, String proto, String host) {
    }

    private Request fromForwarded(Request request) {
        List<Hop> hops = parseForwarded(request.headers().all("Forwarded"));
        if (hops == null) {
            return request;
        }
        InetSocketAddress client = null;
        Hop chosen = null;
        for (int i = hops.size() - 1; i >= 0; i--) {
            InetSocketAddress hop = address(hops.get(i).forValue());
            if (hop == null) {
                break;
            }
            client = hop;
            chosen = hops.get(i);
            if (!trusts(hop.getAddress())) {
                break;
            }
        }
        if (chosen == null) {
            return request;
        }
        return forwardedTo(request, client, chosen.proto(), chosen.host());
    }

    private static Request forwardedTo(Request request, InetSocketAddress client, String proto, String host) {
        Request resolved = request.withRemoteAddress(client);
        if (proto != null && (proto.equalsIgnoreCase("http") || proto.equalsIgnoreCase("https"))) {
            resolved = resolved.withScheme(proto.toLowerCase(Locale.ROOT));
        }
        if (host != null && validHost(host)) {
            resolved = resolved.withHeader("Host", host);
        }
        return resolved;
    }

    /**
     * Parses {@code Forwarded} fields (RFC 7239 section 4) in one pass, without backtracking; returns
     * null when any of them is malformed, repeats a parameter within an element, or is too long.
     */
    static List<Hop> parseForwarded(List<String> fields) {
        int total = 0;
        List<Hop> hops = new ArrayList<>();
        for (String field : fields) {
            total += field.length();
            if (total > MAX_HEADER) {
                return null;
            }
            int i = 0;
            int n = field.length();
            while (true) {
                String forValue = null;
                String proto = null;
                String host = null;
                boolean by = false;
                boolean empty = true;
                while (true) {
                    i = skipSpace(field, i);
                    int nameStart = i;
                    while (i < n && dev.ferry.internal.Fields.isTokenChar(field.charAt(i))) {
                        i++;
                    }
                    if (i > nameStart) {
                        String name = field.substring(nameStart, i).toLowerCase(Locale.ROOT);
                        if (i >= n || field.charAt(i) != '=') {
                            return null;
                        }
                        i++;
                        String value;
                        if (i < n && field.charAt(i) == '"') {
                            StringBuilder quoted = new StringBuilder();
                            i++;
                            while (true) {
                                if (i >= n) {
                                    return null;
                                }
                                char c = field.charAt(i++);
                                if (c == '"') {
                                    break;
                                }
                                if (c == '\\') {
                                    if (i >= n) {
                                        return null;
                                    }
                                    c = field.charAt(i++);
                                }
                                if (c < 0x20 && c != '\t' || c == 0x7F) {
                                    return null;
                                }
                                quoted.append(c);
                            }
                            value = quoted.toString();
                        } else {
                            int valueStart = i;
                            while (i < n && dev.ferry.internal.Fields.isTokenChar(field.charAt(i))) {
                                i++;
                            }
                            if (i == valueStart) {
                                return null;
                            }
                            value = field.substring(valueStart, i);
                        }
                        empty = false;
                        boolean repeated = switch (name) {
                            case "for" -> forValue != null;
                            case "proto" -> proto != null;
                            case "host" -> host != null;
                            case "by" -> by;
                            default -> false;
                        };
                        if (repeated) {
                            return null;
                        }
                        switch (name) {
                            case "for" -> forValue = value;
                            case "proto" -> proto = value;
                            case "host" -> host = value;
                            case "by" -> by = true;
                            default -> { }
                        }
                        i = skipSpace(field, i);
                    }
                    if (i < n && field.charAt(i) == ';') {
                        i++;
                        continue;
                    }
                    break;
                }
                if (!empty) {
                    if (hops.size() == MAX_HOPS) {
                        return null;
                    }
                    hops.add(new Hop(forValue, proto, host));
                }
                if (i >= n) {
                    break;
                }
                if (field.charAt(i) != ',') {
                    return null;
                }
                i++;
            }
        }
        return hops;
    }

    private static int skipSpace(String text, int i) {
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private Request fromXForwarded(Request request) {
        List<String> chain = values(request.headers().all("X-Forwarded-For"));
        if (chain == null || chain.isEmpty()) {
            return request;
        }
        InetSocketAddress client = null;
        int index = -1;
        for (int i = chain.size() - 1; i >= 0; i--) {
            InetSocketAddress hop = address(chain.get(i));
            if (hop == null) {
                break;
            }
            client = hop;
            index = i;
            if (!trusts(hop.getAddress())) {
                break;
            }
        }
        if (client == null) {
            return request;
        }
        String proto = matching(values(request.headers().all("X-Forwarded-Proto")), index, chain.size());
        String host = matching(values(request.headers().all("X-Forwarded-Host")), index, chain.size());
        String port = matching(values(request.headers().all("X-Forwarded-Port")), index, chain.size());
        if (host != null && port != null && port(port) > 0 && host.lastIndexOf(':') <= host.lastIndexOf(']')) {
            host = host + ":" + port;
        }
        return forwardedTo(request, client, proto, host);
    }

    /** Takes the value at the client's position when each proxy appended one, else the nearest proxy's. */
    private static String matching(List<String> values, int index, int chainLength) {
        if (values == null || values.isEmpty()) {
            return null;
        }
        return values.size() == chainLength ? values.get(index) : values.get(values.size() - 1);
    }

    /** Splits comma-separated values; null when the fields are too long or hold too many values. */
    private static List<String> values(List<String> fields) {
        List<String> values = new ArrayList<>();
        int total = 0;
        for (String field : fields) {
            total += field.length();
            if (total > MAX_HEADER) {
                return null;
            }
            int start = 0;
            for (int i = 0; i <= field.length(); i++) {
                if (i == field.length() || field.charAt(i) == ',') {
                    String value = field.substring(start, i).trim();
                    if (!value.isEmpty()) {
                        if (values.size() == MAX_HOPS) {
                            return null;
                        }
                        values.add(value);
                    }
                    start = i + 1;
                }
            }
        }
        return values;
    }

    /**
     * Accepts a host name of letters, digits, {@code -}, {@code .} and {@code _}, an IPv4 address or a
     * bracketed IPv6 address, each with an optional port: nothing that could mean something else in
     * a URL, a header or HTML.
     */
    static boolean validHost(String host) {
        int n = host.length();
        if (n == 0 || n > 255) {
            return false;
        }
        int end = n;
        int colon = host.lastIndexOf(':');
        if (colon > host.lastIndexOf(']')) {
            if (port(host.substring(colon + 1)) <= 0) {
                return false;
            }
            end = colon;
        }
        if (end == 0) {
            return false;
        }
        if (host.charAt(0) == '[') {
            return end > 2 && host.charAt(end - 1) == ']' && literal(host.substring(1, end - 1)) instanceof java.net.Inet6Address;
        }
        for (int i = 0; i < end; i++) {
            char c = host.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Parses {@code 1.2.3.4}, {@code 1.2.3.4:80}, {@code [::1]}, {@code [::1]:80} or a bare IPv6 literal; null for anything else. */
    static InetSocketAddress address(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_ADDRESS) {
            return null;
        }
        String host = text;
        int port = 0;
        int firstColon = text.indexOf(':');
        if (text.charAt(0) == '[') {
            int close = text.indexOf(']');
            if (close < 0) {
                return null;
            }
            host = text.substring(1, close);
            String rest = text.substring(close + 1);
            if (rest.startsWith(":")) {
                port = port(rest.substring(1));
            } else if (!rest.isEmpty()) {
                return null;
            }
        } else if (firstColon > 0 && firstColon == text.lastIndexOf(':')) {
            host = text.substring(0, firstColon);
            port = port(text.substring(firstColon + 1));
        }
        InetAddress address = literal(host);
        return address == null || port < 0 ? null : new InetSocketAddress(address, port);
    }

    /** Returns the port 0-65535, or -1 when the text is not one. */
    private static int port(String text) {
        if (text.isEmpty() || text.length() > 5) {
            return -1;
        }
        int port = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535 ? port : -1;
    }

    /** Parses an IP literal without ever looking a name up; null for anything else. */
    static InetAddress literal(String text) {
        int n = text.length();
        if (n == 0 || n > 45) {
            return null;
        }
        boolean v6 = text.indexOf(':') >= 0;
        if (!v6) {
            byte[] bytes = new byte[4];
            int part = 0;
            int value = 0;
            int digits = 0;
            for (int i = 0; i <= n; i++) {
                char c = i < n ? text.charAt(i) : '.';
                if (c == '.') {
                    if (digits == 0 || part == 4 || value > 255) {
                        return null;
                    }
                    bytes[part++] = (byte) value;
                    value = 0;
                    digits = 0;
                } else if (c >= '0' && c <= '9' && digits < 3) {
                    value = value * 10 + (c - '0');
                    digits++;
                } else {
                    return null;
                }
            }
            if (part != 4) {
                return null;
            }
            try {
                return InetAddress.getByAddress(bytes);
            } catch (UnknownHostException e) {
                return null;
            }
        }
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')) {
                return null;
            }
        }
        try {
            // a bracketed literal is parsed as an IPv6 address, never looked up
            return InetAddress.getByName("[" + text + "]");
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** An address with a prefix length. */
    private record Range(byte[] network, int prefix) {

        static Range parse(String text) {
            int slash = text.indexOf('/');
            InetAddress address = literal(slash < 0 ? text : text.substring(0, slash));
            if (address == null) {
                throw new IllegalArgumentException("not an IP address or CIDR range: " + text);
            }
            byte[] bytes = address.getAddress();
            int prefix = bytes.length * 8;
            if (slash >= 0) {
                String bits = text.substring(slash + 1);
                if (!bits.matches("\\d{1,3}") || Integer.parseInt(bits) > prefix) {
                    throw new IllegalArgumentException("not a CIDR prefix length: " + text);
                }
                prefix = Integer.parseInt(bits);
            }
            return new Range(bytes, prefix);
        }

        boolean contains(InetAddress address) {
            byte[] candidate = address.getAddress();
            if (candidate.length != network.length) {
                if (candidate.length == 16 && network.length == 4 && isMappedV4(candidate)) {
                    candidate = java.util.Arrays.copyOfRange(candidate, 12, 16);
                } else {
                    return false;
                }
            }
            int whole = prefix / 8;
            for (int i = 0; i < whole; i++) {
                if (candidate[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xFF << (8 - rest) & 0xFF;
            return (candidate[whole] & mask) == (network[whole] & mask);
        }

        private static boolean isMappedV4(byte[] bytes) {
            for (int i = 0; i < 10; i++) {
                if (bytes[i] != 0) {
                    return false;
                }
            }
            return bytes[10] == (byte) 0xFF && bytes[11] == (byte) 0xFF;
        }
    }
}
