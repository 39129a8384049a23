package dev.ferry;

import dev.ferry.internal.Deflaters;
import dev.ferry.internal.GzipOutput;
import dev.ferry.internal.Vary;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A filter that gzips responses of compressible types for clients that accept gzip: Accept-Encoding is
 * negotiated with its q-values, Content-Encoding is set, Content-Length removed and ETags made weak.
 * Ranges (206 or a Content-Range), bodies that already have a Content-Encoding, HEAD, 204, 304,
 * {@code Cache-Control: no-transform} and bodies shorter than the threshold are left as they are. A
 * response that could have been compressed but for the request gets {@code Vary: Accept-Encoding} too.
 * The app's flushes reach the client: each one compresses what was written so far and sends it.
 * Deflaters are kept in a bounded pool, ended when it is full and by {@link #close()}.
 *
 * <pre>{@code
 * Handler app = Compression.gzip().then(router);
 * Handler tuned = Compression.builder().level(4).threshold(512).types("text/*", "application/json").build().then(router);
 * }</pre>
 */
public final class Compression implements Filter, AutoCloseable {

    /** The types compressed unless {@link Builder#types} says otherwise. */
    public static final List<String> DEFAULT_TYPES = List.of("text/*", "application/json", "application/*+json",
            "application/x-ndjson", "application/javascript", "application/xml", "application/*+xml", "image/svg+xml");

    private final int threshold;
    private final List<String> types;
    private final Deflaters deflaters;

    private Compression(Builder builder) {
        this.threshold = builder.threshold;
        this.types = List.copyOf(builder.types);
        this.deflaters = new Deflaters(builder.level, builder.poolSize);
    }

    /** Returns the filter with its defaults: level 6, a threshold of 1 KiB, {@link #DEFAULT_TYPES}. */
    public static Compression gzip() {
        return builder().build();
    }

    /** Returns a builder with the defaults of {@link #gzip()}. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Handler apply(Handler next) {
        return request -> compress(request, next.handle(request));
    }

    /**
     * Ends the pooled deflaters, freeing their native memory at once rather than when they are
     * collected; responses compressed afterwards use a deflater each, ended when they finish.
     */
    @Override
    public void close() {
        deflaters.close();
    }

    /** Returns the response, gzipped when both it and the request allow it. */
    Response compress(Request request, Response response) {
        int code = response.status().code();
        if (code < 200 || code == 204 || code == 206 || code == 304) {
            return response;
        }
        Headers headers = response.headers();
        if (headers.contains("Content-Encoding") || headers.contains("Content-Range")
                || !compressible(headers.firstOrNull("Content-Type")) || noTransform(headers.all("Cache-Control"))) {
            return response;
        }
        long length = response.body().length();
        if (length < 0) {
            String declared = headers.firstOrNull("Content-Length");
            length = declared == null ? -1 : parseLength(declared);
        }
        if (length >= 0 && length < Math.max(threshold, 1)) {
            return response;
        }
        // from here on the answer depends on the request's Accept-Encoding
        Response varied = Vary.add(response, "Accept-Encoding");
        if (request.method().equals(Method.HEAD) || !acceptsGzip(request.headers().all("Accept-Encoding"))) {
            return varied;
        }
        Body original = response.body();
        Body gzipped = Body.streamed(out -> {
            GzipOutput gzip = new GzipOutput(out, deflaters);
            boolean done = false;
            try {
                original.writeTo(gzip);
                gzip.finish();
                done = true;
            } finally {
                if (!done) {
                    gzip.release();
                }
            }
        });
        Headers compressed = varied.headers().without("Content-Length").with("Content-Encoding", "gzip");
        String etag = compressed.firstOrNull("ETag");
        if (etag != null && etag.startsWith("\"")) {
            compressed = compressed.with("ETag", "W/" + etag);
        }
        return varied.withHeaders(compressed).withBody(gzipped);
    }

    private boolean compressible(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
        int slash = type.indexOf('/');
        if (slash <= 0) {
            return false;
        }
        for (String pattern : types) {
            if (pattern.endsWith("/*")) {
                if (type.regionMatches(0, pattern, 0, pattern.length() - 1)) {
                    return true;
                }
            } else if (pattern.contains("/*+")) {
                int star = pattern.indexOf('*');
                if (type.regionMatches(0, pattern, 0, star) && type.endsWith(pattern.substring(star + 1))) {
                    return true;
                }
            } else if (pattern.equals(type)) {
                return true;
            }
        }
        return false;
    }

    private static boolean noTransform(List<String> cacheControl) {
        for (String value : cacheControl) {
            for (String directive : value.split(",")) {
                if (directive.strip().equalsIgnoreCase("no-transform")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static long parseLength(String text) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Returns whether Accept-Encoding values choose gzip (RFC 9110, 12.5.3): its quality is that of a
     * {@code gzip} or {@code x-gzip} entry, else of {@code *}, else 0. Gzip is chosen when its quality
     * is above 0 and not below that of an {@code identity} entry, if the client sent one to state a
     * preference. An entry with a malformed quality is ignored; no header means identity.
     */
    static boolean acceptsGzip(List<String> acceptEncoding) {
        int gzip = -1;
        int identity = -1;
        int any = -1;
        for (String value : acceptEncoding) {
            for (String entry : value.split(",")) {
                int semicolon = entry.indexOf(';');
                String coding = (semicolon < 0 ? entry : entry.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
                if (coding.isEmpty()) {
                    continue;
                }
                int q = semicolon < 0 ? 1000 : quality(entry.substring(semicolon + 1));
                if (q < 0) {
                    continue;
                }
                switch (coding) {
                    case "gzip", "x-gzip" -> gzip = Math.max(gzip, q);
                    case "identity" -> identity = Math.max(identity, q);
                    case "*" -> any = Math.max(any, q);
                    default -> {
                    }
                }
            }
        }
        int gzipQ = gzip >= 0 ? gzip : Math.max(any, 0);
        return gzipQ > 0 && gzipQ >= Math.max(identity, 0);
    }

    /** Returns the weight in thousandths from parameters such as {@code q=0.5}, 1000 without one, -1 when malformed. */
    static int quality(String parameters) {
        int q = 1000;
        for (String parameter : parameters.split(";")) {
            String p = parameter.strip();
            if (p.isEmpty()) {
                continue;
            }
            if (p.length() < 2 || (p.charAt(0) != 'q' && p.charAt(0) != 'Q') || p.charAt(1) != '=') {
                continue; // another parameter: not defined for Accept-Encoding, ignored
            }
            q = parseQ(p.substring(2));
            if (q < 0) {
                return -1;
            }
        }
        return q;
    }

    /** Parses {@code qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )} into thousandths, or -1. */
    private static int parseQ(String text) {
        int n = text.length();
        if (n == 0 || n > 5 || (text.charAt(0) != '0' && text.charAt(0) != '1')) {
            return -1;
        }
        int whole = text.charAt(0) - '0';
        int fraction = 0;
        if (n > 1) {
            if (text.charAt(1) != '.') {
                return -1;
            }
            for (int i = 2; i < 5; i++) {
                int digit = 0;
                if (i < n) {
                    char c = text.charAt(i);
                    if (c < '0' || c > '9') {
                        return -1;
                    }
                    digit = c - '0';
                }
                fraction = fraction * 10 + digit;
            }
        }
        if (whole == 1 && fraction != 0) {
            return -1;
        }
        return whole * 1000 + fraction;
    }

    /** Chooses the level, threshold, types and pool size of a {@link Compression} filter. */
    public static final class Builder {
        private int level = 6;
        private int threshold = 1024;
        private List<String> types = DEFAULT_TYPES;
        private int poolSize = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

        private Builder() {
        }

        /** Sets the deflate level, 1 (fastest) to 9 (smallest); 6 by default. */
        public Builder level(int level) {
            if (level < 1 || level > 9) {
                throw new IllegalArgumentException("the level must be 1 to 9, not " + level);
            }
            this.level = level;
            return this;
        }

        /** Sets the smallest body, in bytes, worth compressing; a body of unknown length always is. 1024 by default. */
        public Builder threshold(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("the threshold must not be negative");
            }
            this.threshold = bytes;
            return this;
        }

        /**
         * Sets the media types to compress, replacing the defaults: {@code type/subtype},
         * {@code type/*} or {@code type/*+suffix} (such as {@code application/*+json}), case-insensitive.
         */
        public Builder types(String... patterns) {
            List<String> list = new ArrayList<>();
            for (String pattern : patterns) {
                String p = pattern.strip().toLowerCase(Locale.ROOT);
                int slash = p.indexOf('/');
                int star = p.indexOf('*');
                boolean valid = slash > 0 && slash < p.length() - 1 && p.indexOf(';') < 0
                        && (star < 0 || (star == slash + 1 && (star == p.length() - 1 || p.charAt(star + 1) == '+'))
                        && p.indexOf('*', star + 1) < 0);
                if (!valid) {
                    throw new IllegalArgumentException("not a media type pattern: '" + pattern + "'");
                }
                list.add(p);
            }
            this.types = list;
            return this;
        }

        /** Sets how many idle deflaters are kept for reuse; twice the processors (at least 4) by default. */
        public Builder poolSize(int deflaters) {
            if (deflaters < 1) {
                throw new IllegalArgumentException("the pool must keep at least one deflater");
            }
            this.poolSize = deflaters;
            return this;
        }

        /** Returns the filter. */
        public Compression build() {
            return new Compression(this);
        }
    }
}
