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
import java.util.regex.Pattern;

/**
 * Addresses and CIDR ranges of reverse proxies whose {@code Forwarded} (RFC 7239) or
 * {@code X-Forwarded-For/-Proto/-Host/-Port} headers are believed. Only when the direct peer is
 * trusted do these headers change {@link Request#remoteAddress()}, {@link Request#scheme()} and the
 * {@code Host} header; the client is the first address, walking the chain from the nearest proxy
 * back, that is not itself a trusted proxy. Anything else, forged headers from an untrusted peer
 * included, is ignored. Use it as a filter: {@code TrustedProxies.of("127.0.0.1").filter().then(app)}.
 */
public final class TrustedProxies {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private final List<Range> ranges;

    private TrustedProxies(List<Range> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /**
     * Trusts these IP addresses and CIDR ranges, such as {@code 127.0.0.1}, {@code 10.0.0.0/8},
     * {@code ::1} or {@code fd00::/8}.
     *
     * @throws IllegalArgumentException for anything that is not an IP literal or range; host names are not looked up
     */
    public static TrustedProxies of(String... addressesOrRanges) {
        return of(List.of(addressesOrRanges));
    }

    /** Trusts these IP addresses and CIDR ranges. */
    public static TrustedProxies of(Collection<String> addressesOrRanges) {
        List<Range> ranges = new ArrayList<>();
        for (String entry : addressesOrRanges) {
            ranges.add(Range.parse(entry.trim()));
        }
        return new TrustedProxies(ranges);
    }

    /** Trusts the comma-separated list in {@code ferry.trusted-proxies} or {@code FERRY_TRUSTED_PROXIES}; none if unset. */
    public static TrustedProxies fromEnvironment() {
        return from(System.getenv(), System.getProperties());
    }

    static TrustedProxies from(Map<String, String> environment, Properties properties) {
        String list = properties.getProperty("ferry.trusted-proxies", environment.get("FERRY_TRUSTED_PROXIES"));
        if (list == null || list.isBlank()) {
            return new TrustedProxies(List.of());
        }
        return of(List.of(list.split("\\s*,\\s*")));
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
        List<String> forwarded = request.headers().all("Forwarded");
        return forwarded.isEmpty() ? fromXForwarded(request) : fromForwarded(request, forwarded);
    }

    private Request fromForwarded(Request request, List<String> headers) {
        List<Map<String, String>> hops = new ArrayList<>();
        for (String header : headers) {
            for (String element : splitOutsideQuotes(header, ',')) {
                Map<String, String> pairs = new java.util.HashMap<>();
                for (String pair : splitOutsideQuotes(element, ';')) {
                    int equals = pair.indexOf('=');
                    if (equals > 0) {
                        pairs.put(pair.substring(0, equals).trim().toLowerCase(Locale.ROOT), unquote(pair.substring(equals + 1).trim()));
                    }
                }
                hops.add(pairs);
            }
        }
        InetSocketAddress client = request.remoteAddress();
        Map<String, String> chosen = null;
        for (int i = hops.size() - 1; i >= 0; i--) {
            InetSocketAddress hop = address(hops.get(i).get("for"));
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
        Request resolved = request.withRemoteAddress(client);
        String proto = chosen.get("proto");
        if (proto != null && (proto.equalsIgnoreCase("http") || proto.equalsIgnoreCase("https"))) {
            resolved = resolved.withScheme(proto.toLowerCase(Locale.ROOT));
        }
        String host = chosen.get("host");
        if (host != null && validHost(host)) {
            resolved = resolved.withHeader("Host", host);
        }
        return resolved;
    }

    private Request fromXForwarded(Request request) {
        List<String> chain = values(request.headers().all("X-Forwarded-For"));
        if (chain.isEmpty()) {
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
        Request resolved = request.withRemoteAddress(client);
        String proto = matching(values(request.headers().all("X-Forwarded-Proto")), index, chain.size());
        if (proto != null && (proto.equalsIgnoreCase("http") || proto.equalsIgnoreCase("https"))) {
            resolved = resolved.withScheme(proto.toLowerCase(Locale.ROOT));
        }
        String host = matching(values(request.headers().all("X-Forwarded-Host")), index, chain.size());
        String port = matching(values(request.headers().all("X-Forwarded-Port")), index, chain.size());
        if (host != null && validHost(host)) {
            if (port != null && port.matches("\\d{1,5}") && host.lastIndexOf(':') <= host.lastIndexOf(']')) {
                host = host + ":" + port;
            }
            resolved = resolved.withHeader("Host", host);
        }
        return resolved;
    }

    /** Takes the value at the client's position when each proxy appended one, else the nearest proxy's. */
    private static String matching(List<String> values, int index, int chainLength) {
        if (values.isEmpty()) {
            return null;
        }
        return values.size() == chainLength ? values.get(index) : values.get(values.size() - 1);
    }

    private static List<String> values(List<String> headers) {
        List<String> values = new ArrayList<>();
        for (String header : headers) {
            for (String value : header.split(",")) {
                if (!value.isBlank()) {
                    values.add(value.trim());
                }
            }
        }
        return values;
    }

    private static boolean validHost(String host) {
        return !host.isEmpty() && host.length() <= 255 && host.chars().allMatch(c -> c > 0x20 && c < 0x7F && c != '/' && c != '@');
    }

    /** Parses {@code 1.2.3.4}, {@code 1.2.3.4:80}, {@code [::1]}, {@code [::1]:80} or a bare IPv6 literal; null for anything else. */
    static InetSocketAddress address(String text) {
        if (text == null) {
            return null;
        }
        String host = text;
        int port = 0;
        if (text.startsWith("[")) {
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
        } else if (text.indexOf(':') == text.lastIndexOf(':') && text.indexOf(':') > 0) {
            host = text.substring(0, text.indexOf(':'));
            port = port(text.substring(text.indexOf(':') + 1));
        }
        InetAddress address = literal(host);
        return address == null || port < 0 ? null : new InetSocketAddress(address, port);
    }

    private static int port(String text) {
        return text.matches("\\d{1,5}") && Integer.parseInt(text) <= 65535 ? Integer.parseInt(text) : -1;
    }

    /** Parses an IP literal without ever looking a name up. */
    static InetAddress literal(String text) {
        boolean v4 = IPV4.matcher(text).matches();
        if (!v4 && !IPV6.matcher(text).matches()) {
            return null;
        }
        if (v4) {
            for (String part : text.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    return null;
                }
            }
        }
        try {
            return InetAddress.getByName(v4 ? text : "[" + text + "]");
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static List<String> splitOutsideQuotes(String text, char separator) {
        List<String> parts = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '\\' && quoted) {
                i++;
            } else if (c == separator && !quoted) {
                parts.add(text.substring(start, i).trim());
                start = i + 1;
            }
        }
        parts.add(text.substring(start).trim());
        return parts;
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            return value.substring(1, value.length() - 1).replaceAll("\\\\(.)", "$1");
        }
        return value;
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
