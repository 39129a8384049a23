package dev.ferry;

import dev.ferry.internal.Vary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A filter that answers cross-origin requests (CORS, as the Fetch standard defines it) for the origins
 * it allows. A preflight ({@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method})
 * is answered here, 204 with the allow headers when its origin, method and headers are allowed and 403
 * without any CORS header otherwise, and never reaches the app. Other requests from an allowed origin
 * reach the app and their response gets {@code Access-Control-Allow-Origin} (the origin itself when
 * credentials are allowed, never {@code *}), {@code Access-Control-Allow-Credentials} and
 * {@code Access-Control-Expose-Headers}; the 404 and 405 of a router included. Every answer that
 * depends on the origin says so with {@code Vary: Origin}.
 *
 * <p>Origins are compared exactly as browsers serialize them: lower-case scheme and host, the port
 * only when it is not the scheme's default. Configured origins are brought to that form when the
 * filter is built; {@code null} (sandboxed documents, {@code file:} pages) is refused unless listed.
 * Put this filter outside any filter that turns exceptions into responses, so that errors carry
 * the headers too.
 *
 * <pre>{@code
 * Handler app = Cors.builder()
 *         .allowOrigins("https://app.example")
 *         .allowMethods("GET", "POST", "DELETE")
 *         .allowHeaders("Content-Type", "Authorization")
 *         .exposeHeaders("Location")
 *         .allowCredentials(true)
 *         .maxAge(Duration.ofHours(1))
 *         .build()
 *         .then(router);
 * }</pre>
 */
public final class Cors implements Filter {

    private static final String ANY = "*";
    private static final String PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

    private final boolean anyOrigin;
    private final Set<String> origins;
    private final Set<String> methods;
    private final String methodList;
    private final boolean anyMethod;
    private final Set<String> headers;
    private final boolean anyHeader;
    private final String exposed;
    private final boolean credentials;
    private final String maxAge;

    private Cors(Builder builder) {
        this.anyOrigin = builder.origins.contains(ANY);
        this.origins = Set.copyOf(builder.origins);
        this.anyMethod = builder.methods.contains(ANY);
        this.methods = Set.copyOf(builder.methods);
        this.methodList = String.join(", ", builder.methods);
        this.anyHeader = builder.headers.contains(ANY);
        this.headers = Set.copyOf(builder.headers);
        this.exposed = builder.exposed.isEmpty() ? null : String.join(", ", builder.exposed);
        this.credentials = builder.credentials;
        this.maxAge = builder.maxAge == null ? null : Long.toString(builder.maxAge.toSeconds());
    }

    /** Returns a builder that allows no origin until told, the methods GET, HEAD and POST, and no extra headers. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Handler apply(Handler next) {
        return request -> {
            List<String> values = request.headers().all("Origin");
            if (values.isEmpty()) {
                return varyByOrigin(next.handle(request));
            }
            String origin = values.size() == 1 ? values.get(0) : null;
            boolean allowed = origin != null && allowed(origin);
            if (request.method().equals(Method.OPTIONS) && request.headers().contains("Access-Control-Request-Method")) {
                return preflight(request, allowed ? origin : null);
            }
            Response response = next.handle(request);
            if (!allowed) {
                return varyByOrigin(response);
            }
            return allow(response, origin);
        };
    }

    /** Returns whether the serialized origin is allowed: compared exactly, {@code null} only when listed. */
    boolean allowed(String origin) {
        if (origins.contains(origin)) {
            return true;
        }
        return anyOrigin && !origin.equals("null");
    }

    /** Returns whether responses depend on the request's origin. */
    private boolean dependsOnOrigin() {
        return !anyOrigin || credentials;
    }

    private Response varyByOrigin(Response response) {
        return dependsOnOrigin() ? Vary.add(response, "Origin") : response;
    }

    private Response allow(Response response, String origin) {
        String value = allowOriginValue(origin);
        Response answer = response.withHeader("Access-Control-Allow-Origin", value);
        if (credentials) {
            answer = answer.withHeader("Access-Control-Allow-Credentials", "true");
        }
        if (exposed != null) {
            answer = answer.withHeader("Access-Control-Expose-Headers", exposed);
        }
        return value.equals(ANY) ? answer : Vary.add(answer, "Origin");
    }

    /** Returns {@code *} for any origin without credentials, else the origin itself (always for {@code null}). */
    private String allowOriginValue(String origin) {
        return anyOrigin && !credentials && !origin.equals("null") ? ANY : origin;
    }

    private Response preflight(Request request, String origin) {
        Response refused = Response.error(Status.FORBIDDEN, "CORS preflight refused").withHeader("Vary", PREFLIGHT_VARY);
        if (origin == null) {
            return refused;
        }
        List<String> requestedMethods = request.headers().all("Access-Control-Request-Method");
        String method = requestedMethods.size() == 1 ? requestedMethods.get(0).strip() : "";
        if (!isToken(method) || !(anyMethod || methods.contains(method))) {
            return refused;
        }
        List<String> requested = new ArrayList<>();
        for (String value : request.headers().all("Access-Control-Request-Headers")) {
            for (String name : value.split(",")) {
                String header = name.strip().toLowerCase(Locale.ROOT);
                if (header.isEmpty()) {
                    continue;
                }
                if (!isToken(header) || !(anyHeader || headers.contains(header))) {
                    return refused;
                }
                if (!requested.contains(header)) {
                    requested.add(header);
                }
            }
        }
        Response answer = Response.of(Status.NO_CONTENT)
                .withHeader("Access-Control-Allow-Origin", allowOriginValue(origin))
                .withHeader("Access-Control-Allow-Methods", anyMethod ? method : methodList);
        if (!requested.isEmpty()) {
            answer = answer.withHeader("Access-Control-Allow-Headers", String.join(", ", requested));
        }
        if (credentials) {
            answer = answer.withHeader("Access-Control-Allow-Credentials", "true");
        }
        if (maxAge != null) {
            answer = answer.withHeader("Access-Control-Max-Age", maxAge);
        }
        return answer.withHeader("Vary", PREFLIGHT_VARY);
    }

    private static boolean isToken(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!token) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the origin as a browser serializes it (lower-case scheme and host, no default port), or
     * fails naming what is wrong: a configured origin must be {@code scheme://host[:port]}, {@code null}
     * or {@code *}.
     */
    static String normalize(String origin) {
        String o = origin.strip();
        if (o.equals(ANY) || o.equals("null")) {
            return o;
        }
        int colon = o.indexOf("://");
        if (colon <= 0) {
            throw new IllegalArgumentException("not an origin (scheme://host[:port]): '" + origin + "'");
        }
        String scheme = o.substring(0, colon).toLowerCase(Locale.ROOT);
        for (int i = 0; i < scheme.length(); i++) {
            char c = scheme.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
            if (!ok) {
                throw new IllegalArgumentException("not an origin, the scheme is malformed: '" + origin + "'");
            }
        }
        String rest = o.substring(colon + 3);
        String host;
        String port = null;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("not an origin, the IPv6 host is not closed: '" + origin + "'");
            }
            host = rest.substring(0, close + 1);
            String after = rest.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new IllegalArgumentException("not an origin (no path, query or slash allowed): '" + origin + "'");
                }
                port = after.substring(1);
            }
        } else {
            int portColon = rest.lastIndexOf(':');
            host = portColon < 0 ? rest : rest.substring(0, portColon);
            port = portColon < 0 ? null : rest.substring(portColon + 1);
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.isEmpty() || host.equals("[]")) {
            throw new IllegalArgumentException("not an origin, the host is empty: '" + origin + "'");
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || (host.charAt(0) == '[' && (c == ':' || c == '[' || c == ']'));
            if (!ok) {
                throw new IllegalArgumentException("not an origin (no path, user, query, wildcard or non-ASCII host; "
                        + "write an internationalized name in its xn-- form): '" + origin + "'");
            }
        }
        if (port != null) {
            if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(port) > 65535) {
                throw new IllegalArgumentException("not an origin, the port is malformed: '" + origin + "'");
            }
            port = Integer.toString(Integer.parseInt(port));
            if ((scheme.equals("http") || scheme.equals("ws")) && port.equals("80")
                    || (scheme.equals("https") || scheme.equals("wss")) && port.equals("443")) {
                port = null;
            }
        }
        return scheme + "://" + host + (port == null ? "" : ":" + port);
    }

    /** Chooses the origins, methods and headers a {@link Cors} filter allows. */
    public static final class Builder {
        private final Set<String> origins = new LinkedHashSet<>();
        private final Set<String> methods = new LinkedHashSet<>(List.of("GET", "HEAD", "POST"));
        private final Set<String> headers = new LinkedHashSet<>();
        private final Set<String> exposed = new LinkedHashSet<>();
        private boolean credentials;
        private Duration maxAge;

        private Builder() {
        }

        /**
         * Adds origins to allow, each {@code scheme://host[:port]} (brought to the form browsers send),
         * {@code null} to allow the opaque origin, or {@code *} for any origin but {@code null}.
         *
         * @throws IllegalArgumentException naming an origin that is not one
         */
        public Builder allowOrigins(String... origins) {
            for (String origin : origins) {
                this.origins.add(normalize(origin));
            }
            return this;
        }

        /** Sets the methods allowed to cross origins, compared case-sensitively; GET, HEAD and POST by default; {@code *} allows any. */
        public Builder allowMethods(String... methods) {
            this.methods.clear();
            for (String method : methods) {
                String m = method.strip();
                if (!m.equals(ANY) && !isToken(m)) {
                    throw new IllegalArgumentException("not a method: '" + method + "'");
                }
                this.methods.add(m);
            }
            return this;
        }

        /** Sets the methods allowed to cross origins. */
        public Builder allowMethods(Method... methods) {
            String[] names = new String[methods.length];
            for (int i = 0; i < methods.length; i++) {
                names[i] = methods[i].name();
            }
            return allowMethods(names);
        }

        /** Adds request headers a cross-origin request may send beyond the safelisted ones; {@code *} allows any. */
        public Builder allowHeaders(String... names) {
            for (String name : names) {
                String n = name.strip().toLowerCase(Locale.ROOT);
                if (!isToken(n)) {
                    throw new IllegalArgumentException("not a header name: '" + name + "'");
                }
                headers.add(n);
            }
            return this;
        }

        /** Adds response headers a cross-origin script may read beyond the safelisted ones. */
        public Builder exposeHeaders(String... names) {
            for (String name : names) {
                String n = name.strip();
                if (!isToken(n)) {
                    throw new IllegalArgumentException("not a header name: '" + name + "'");
                }
                exposed.add(n);
            }
            return this;
        }

        /** Sets whether cross-origin requests may carry cookies and credentials; false by default. */
        public Builder allowCredentials(boolean allow) {
            this.credentials = allow;
            return this;
        }

        /** Sets how long a browser may cache a preflight's answer; unset by default (the browser's own, 5 s). */
        public Builder maxAge(Duration maxAge) {
            if (maxAge.isNegative()) {
                throw new IllegalArgumentException("the max age must not be negative");
            }
            this.maxAge = maxAge;
            return this;
        }

        /**
         * Returns the filter.
         *
         * @throws IllegalStateException when no origin is allowed, or {@code *} is exposed with credentials
         *     (browsers then read it as a header named {@code *})
         */
        public Cors build() {
            if (origins.isEmpty()) {
                throw new IllegalStateException("no origin is allowed: call allowOrigins");
            }
            if (credentials && exposed.contains(ANY)) {
                throw new IllegalStateException("exposeHeaders(\"*\") means a header named * when credentials are "
                        + "allowed: list the headers instead");
            }
            return new Cors(this);
        }
    }
}
