package dev.ferry;

import dev.ferry.internal.Access;
import dev.ferry.internal.Target;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An HTTP request: an immutable value whose {@code with} methods return copies. Only the body
 * streams, and it can be read once. Paths are percent-decoded once, segment by segment, when the
 * request is built; a mounted app sees its own {@link #path()} below its {@link #contextPath()}.
 * Filters pass typed values to the handlers after them with {@link #with(Attribute, Object)}.
 */
public final class Request {

    private static final Object[] NO_ATTRIBUTES = {};
    private static final InetSocketAddress UNKNOWN = InetSocketAddress.createUnresolved("0.0.0.0", 0);

    static {
        Access.install(new Access.Requests() {
            @Override
            public Request mounted(Request request, int segments, Map<String, String> pathParams) {
                return request.mounted(segments, pathParams);
            }

            @Override
            public String[] segments(Request request) {
                return request.target.decoded();
            }

            @Override
            public int first(Request request) {
                return request.first;
            }

            @Override
            public Headers parsedHeaders(String[] namesAndValues, int length) {
                return Headers.parsed(namesAndValues, length);
            }

            @Override
            public boolean checked(Headers headers) {
                return headers.checked();
            }
        });
    }

    private final Method method;
    private final String version;
    private final String scheme;
    private final Target target;
    private final int first;
    private final Headers headers;
    private final Body body;
    private final InetSocketAddress remoteAddress;
    private final Map<String, String> pathParams;
    private final Object[] attributes;
    private Parameters query;

    private Request(Method method, String version, String scheme, Target target, int first, Headers headers,
                    Body body, InetSocketAddress remoteAddress, Map<String, String> pathParams) {
        this(method, version, scheme, target, first, headers, body, remoteAddress, pathParams, NO_ATTRIBUTES);
    }

    private Request(Method method, String version, String scheme, Target target, int first, Headers headers,
                    Body body, InetSocketAddress remoteAddress, Map<String, String> pathParams, Object[] attributes) {
        this.method = method;
        this.version = version;
        this.scheme = scheme;
        this.target = target;
        this.first = first;
        this.headers = headers;
        this.body = body;
        this.remoteAddress = remoteAddress;
        this.pathParams = pathParams;
        this.attributes = attributes;
    }

    /** Returns a builder for a request with every part set explicitly, as a test would build it. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a request with this method and target ({@code /path?query}) and nothing else, as a test
     * would send it.
     *
     * @throws HttpException 400 when the target is malformed
     */
    public static Request create(Method method, String target) {
        return builder().method(method).target(target).build();
    }

    /** Returns a GET request for the target. */
    public static Request get(String target) {
        return create(Method.GET, target);
    }

    /** Returns a POST request for the target with this UTF-8 text as its body. */
    public static Request post(String target, String body) {
        return builder().method(Method.POST).target(target).body(Body.of(body)).build();
    }

    /** Returns the method. */
    public Method method() {
        return method;
    }

    /**
     * Returns the percent-decoded path below the context path, always starting with {@code /}. An
     * encoded slash ({@code %2F}) decodes to {@code /} here; use {@link #segments()} or path
     * parameters where that matters.
     */
    public String path() {
        return Target.join(target.decoded(), first);
    }

    /** Returns the path below the context path as sent, still percent-encoded, dot-segments resolved. */
    public String rawPath() {
        return Target.join(target.raw(), first);
    }

    /** Returns the decoded segments of {@link #path()}; {@code /} is one empty segment. */
    public List<String> segments() {
        String[] decoded = target.decoded();
        return first == decoded.length ? List.of("") : Collections.unmodifiableList(Arrays.asList(decoded).subList(first, decoded.length));
    }

    /** Returns the prefix under which the app that sees this request is mounted, raw; empty at the root. */
    public String contextPath() {
        if (first == 0) {
            return "";
        }
        StringBuilder context = new StringBuilder();
        for (int i = 0; i < first; i++) {
            context.append('/').append(target.raw()[i]);
        }
        return context.toString();
    }

    /** Returns the decoded query parameters. */
    public Parameters query() {
        Parameters parsed = query;
        if (parsed == null) {
            parsed = Parameters.parse(target.query());
            query = parsed;
        }
        return parsed;
    }

    /** Returns the query as sent, without {@code ?}; empty when there is none. */
    public String rawQuery() {
        return target.query() == null ? "" : target.query();
    }

    /**
     * Returns the headers, on every server in the same order: names in case-insensitive order, the
     * values of a repeated name in the order received.
     */
    public Headers headers() {
        return headers;
    }

    /** Returns the first value of the named header. */
    public Optional<String> header(String name) {
        return headers.first(name);
    }

    /** Returns the body, which streams and can be read once. */
    public Body body() {
        return body;
    }

    /**
     * Returns the decoded value of a path parameter matched by the router.
     *
     * @throws IllegalArgumentException when the matched route has no such parameter
     */
    public String pathParam(String name) {
        String value = pathParams.get(name);
        if (value == null) {
            throw new IllegalArgumentException("the route has no path parameter '" + name + "'");
        }
        return value;
    }

    /** Returns every path parameter matched by the router. */
    public Map<String, String> pathParams() {
        return pathParams;
    }

    /** Returns the value of the named request cookie. */
    public Optional<String> cookie(String name) {
        for (String header : headers.all("Cookie")) {
            String value = Cookie.parse(header).get(name);
            if (value != null) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }

    /** Returns the parsed Content-Type, if present and well formed. */
    public Optional<MediaType> contentType() {
        String value = headers.firstOrNull("Content-Type");
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(MediaType.parse(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Returns the address of the peer that sent the request. */
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** Returns {@code http} or {@code https}. */
    public String scheme() {
        return scheme;
    }

    /** Returns the protocol version, such as {@code HTTP/1.1}. */
    public String version() {
        return version;
    }

    /** Returns a copy in which the named header has exactly this value. */
    public Request withHeader(String name, String value) {
        return new Request(method, version, scheme, target, first, headers.with(name, value), body, remoteAddress, pathParams,
                attributes);
    }

    /** Returns a copy with these headers. */
    public Request withHeaders(Headers headers) {
        return new Request(method, version, scheme, target, first, headers, body, remoteAddress, pathParams,
                attributes);
    }

    /** Returns a copy with this body. */
    public Request withBody(Body body) {
        return new Request(method, version, scheme, target, first, headers, body, remoteAddress, pathParams,
                attributes);
    }

    /** Returns a copy with this method. */
    public Request withMethod(Method method) {
        return new Request(method, version, scheme, target, first, headers, body, remoteAddress, pathParams,
                attributes);
    }

    /** Returns a copy seen as coming from this address, as a trusted proxy reports it. */
    public Request withRemoteAddress(InetSocketAddress remoteAddress) {
        return new Request(method, version, scheme, target, first, headers, body, remoteAddress, pathParams,
                attributes);
    }

    /** Returns a copy with this scheme, {@code http} or {@code https}, as a trusted proxy reports it. */
    public Request withScheme(String scheme) {
        return new Request(method, version, scheme, target, first, headers, body, remoteAddress, pathParams,
                attributes);
    }

    /**
     * Returns the value a filter attached under this key, if any; handlers after the filter see it, and
     * so does every copy made from the request it passed on.
     */
    public <T> Optional<T> attribute(Attribute<T> key) {
        Object[] a = attributes;
        for (int i = 0; i < a.length; i += 2) {
            if (a[i] == key) {
                return Optional.of(key.type().cast(a[i + 1]));
            }
        }
        return Optional.empty();
    }

    /**
     * Returns a copy holding this value under the key, replacing any value it held; this request is
     * unchanged.
     *
     * @throws ClassCastException when the value is not of the key's type
     */
    public <T> Request with(Attribute<T> key, T value) {
        Object checked = key.type().cast(java.util.Objects.requireNonNull(value, "value"));
        Object[] a = attributes;
        Object[] copy = null;
        for (int i = 0; i < a.length; i += 2) {
            if (a[i] == key) {
                copy = a.clone();
                copy[i + 1] = checked;
            }
        }
        if (copy == null) {
            copy = Arrays.copyOf(a, a.length + 2);
            copy[a.length] = key;
            copy[a.length + 1] = checked;
        }
        return new Request(method, version, scheme, target, first, headers, body, remoteAddress, pathParams, copy);
    }

    Request mounted(int segments, Map<String, String> params) {
        if (segments == 0 && params.isEmpty() && pathParams.isEmpty()) {
            return this; // the same request: immutable, so shared
        }
        return new Request(method, version, scheme, target, first + segments, headers, body, remoteAddress, params,
                attributes);
    }

    @Override
    public String toString() {
        return method + " " + contextPath() + rawPath() + (target.query() == null ? "" : "?" + target.query());
    }

    /** Collects the parts of a request and builds it once. */
    public static final class Builder {
        private Method method = Method.GET;
        private String version = "HTTP/1.1";
        private String scheme = "http";
        private String target = "/";
        private Headers headers = Headers.empty();
        private Body body = Body.empty();
        private InetSocketAddress remoteAddress = UNKNOWN;
        private String contextPath = "";

        private Builder() {
        }

        /**
         * Sets the prefix of the target under which the app is deployed, raw as in the target, such as
         * a servlet context path; the request's {@link Request#path()} is then what follows it.
         */
        public Builder contextPath(String contextPath) {
            this.contextPath = contextPath;
            return this;
        }

        /** Sets the method; GET if not set. */
        public Builder method(Method method) {
            this.method = method;
            return this;
        }

        /** Sets the request target as sent on the request line, octets above 0x7F as ISO-8859-1 characters. */
        public Builder target(String target) {
            this.target = target;
            return this;
        }

        /** Sets the protocol version; {@code HTTP/1.1} if not set. */
        public Builder version(String version) {
            this.version = version;
            return this;
        }

        /** Sets the scheme; {@code http} if not set. */
        public Builder scheme(String scheme) {
            this.scheme = scheme;
            return this;
        }

        /** Sets the headers. */
        public Builder headers(Headers headers) {
            this.headers = headers;
            return this;
        }

        /** Sets the body. */
        public Builder body(Body body) {
            this.body = body;
            return this;
        }

        /** Sets the peer's address. */
        public Builder remoteAddress(InetSocketAddress remoteAddress) {
            this.remoteAddress = remoteAddress;
            return this;
        }

        /**
         * Parses the target and returns the request.
         *
         * @throws HttpException 400 when the target is malformed
         */
        public Request build() {
            Target parsed = Target.parse(target);
            int first = 0;
            if (!contextPath.isEmpty() && !contextPath.equals("/")) {
                String[] prefix = Target.parse(contextPath).raw();
                String[] raw = parsed.raw();
                if (prefix.length > raw.length || !Arrays.equals(prefix, 0, prefix.length, raw, 0, prefix.length)) {
                    throw new HttpException(Status.BAD_REQUEST, "Bad Request: the path leaves the context path");
                }
                first = prefix.length;
            }
            return new Request(method, version, scheme, parsed, first, headers, body, remoteAddress, Map.of());
        }
    }
}
