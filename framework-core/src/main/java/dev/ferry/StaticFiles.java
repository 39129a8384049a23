package dev.ferry;

import dev.ferry.internal.Access;
import dev.ferry.internal.HttpValues;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.jar.JarEntry;

/**
 * Serves static files from a directory or from the class path, as a {@link Handler} mounted under a
 * prefix: {@code Router.builder().mount("/assets", StaticFiles.directory(dir))}. It answers GET and
 * HEAD (405 with {@code Allow} otherwise) with:
 *
 * <ul>
 *   <li>a strong {@code ETag} made of the file's size and modification time (no file is read for it)
 *       and {@code Last-Modified}; {@code If-Match}, {@code If-Unmodified-Since} (412),
 *       {@code If-None-Match} (a list or {@code *}, weak comparison) and {@code If-Modified-Since}
 *       (only without If-None-Match) answered as RFC 9110 section 13 orders them, 304 with the
 *       validators and caching fields;</li>
 *   <li>a single byte range ({@code bytes=a-b}, {@code a-}, {@code -n}) answered 206 with
 *       {@code Content-Range}, 416 with {@code Content-Range: bytes *}{@code /LENGTH} when it lies past
 *       the end; a list of several ranges, or a malformed one, is ignored and the whole file sent
 *       (200), so a request never costs more than the file once; {@code If-Range} whose validator does
 *       not match sends the whole file;</li>
 *   <li>a precompressed sibling ({@code NAME.br}, {@code NAME.gz}) when {@code Accept-Encoding}
 *       accepts its coding (q-values honoured, {@code q=0} excludes; br wins a tie), with
 *       {@code Content-Encoding}, {@code Vary: Accept-Encoding} and its own ETag;</li>
 *   <li>{@code index.html} for a directory, after redirecting {@code /dir} to {@code /dir/} (301);</li>
 *   <li>{@code Content-Type} by extension ({@code charset=utf-8} on text types) and a
 *       {@code Cache-Control} policy, {@code no-cache} by default (the browser revalidates with the
 *       ETag).</li>
 * </ul>
 *
 * <p>Nothing outside the root is served: a path with an encoded {@code /} or {@code \}, a NUL, a
 * {@code .} or {@code ..} segment, an empty segment, a dot file (unless {@link Builder#hiddenFiles}),
 * or a symbolic link whose target lies outside the root's real path gets 404, the same answer as a
 * missing file, so probing learns nothing. From the class path, {@code .class} files are never
 * served and lookups stay below the prefix, in a directory or in a jar. File bodies are
 * {@link Body#of(Path, long, long)} regions that servers send with their zero-copy path.
 */
public final class StaticFiles implements Handler {

    /** A {@code Cache-Control} value for fingerprinted assets whose name changes with their content. */
    public static final String IMMUTABLE = "public, max-age=31536000, immutable";

    private static final String ALLOW = "GET, HEAD";
    private static final Map<String, String> TYPES = types();

    private final Source source;
    private final Function<String, String> cacheControl;
    private final String indexFile;
    private final boolean precompressed;
    private final boolean hiddenFiles;
    private final Map<String, String> contentTypes;

    private StaticFiles(Builder builder) {
        this.source = builder.source;
        this.cacheControl = builder.cacheControl;
        this.indexFile = builder.indexFile;
        this.precompressed = builder.precompressed;
        this.hiddenFiles = builder.hiddenFiles;
        this.contentTypes = Map.copyOf(builder.contentTypes);
    }

    /**
     * Returns a handler serving the files below this directory with the default options.
     *
     * @throws IllegalArgumentException when the path is not a directory
     */
    public static StaticFiles directory(Path root) {
        return builder().directory(root).build();
    }

    /**
     * Returns a handler serving the class-path resources below this prefix (such as {@code /static}),
     * found by the class loader that loaded Ferry, with the default options.
     */
    public static StaticFiles classpath(String prefix) {
        return builder().classpath(prefix).build();
    }

    /** Returns a builder, to set options; it needs a {@link Builder#directory} or a {@link Builder#classpath}. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Response handle(Request request) throws IOException {
        Method method = request.method();
        if (!method.equals(Method.GET) && !method.equals(Method.HEAD)) {
            return Response.error(Status.METHOD_NOT_ALLOWED, "Method Not Allowed").withHeader("Allow", ALLOW);
        }
        List<String> segments = request.segments();
        String relative = relative(segments);
        if (relative == null) {
            return notFound();
        }
        Entry entry = source.find(relative);
        if (entry == null) {
            return notFound();
        }
        if (!entry.directory && relative.endsWith("/")) {
            return notFound();
        }
        if (entry.directory) {
            if (indexFile == null) {
                return notFound();
            }
            if (!relative.isEmpty() && !relative.endsWith("/") || relative.isEmpty() && atMountPoint(request)) {
                String query = request.rawQuery();
                String location = request.contextPath() + (relative.isEmpty() ? "" : request.rawPath()) + "/"
                        + (query.isEmpty() ? "" : "?" + query);
                return Response.of(Status.MOVED_PERMANENTLY).withHeader("Location", location);
            }
            relative = relative + indexFile;
            entry = source.find(relative);
            if (entry == null || entry.directory) {
                return notFound();
            }
        }
        return serve(request, relative, entry);
    }

    /** Returns whether the request named the mount point itself without its trailing slash. */
    private static boolean atMountPoint(Request request) {
        Access.Requests access = Access.requests();
        return access.first(request) > 0 && access.first(request) == access.segments(request).length;
    }

    /** Joins the decoded segments into a relative name, or returns null when one of them is refused. */
    private String relative(List<String> segments) {
        StringBuilder name = new StringBuilder();
        int last = segments.size() - 1;
        for (int i = 0; i <= last; i++) {
            String segment = segments.get(i);
            if (segment.isEmpty()) {
                if (i == last) {
                    break; // a trailing slash: a directory
                }
                return null;
            }
            if (segment.equals(".") || segment.equals("..") || segment.charAt(0) == '.' && !hiddenFiles) {
                return null;
            }
            for (int c = 0; c < segment.length(); c++) {
                char ch = segment.charAt(c);
                if (ch == '/' || ch == '\\' || ch == 0) {
                    return null;
                }
            }
            name.append(segment);
            if (i < last) {
                name.append('/');
            }
        }
        return name.toString();
    }

    private Response serve(Request request, String relative, Entry original) throws IOException {
        Entry entry = original;
        String coding = null;
        boolean varies = false;
        if (precompressed) {
            String accept = request.header("Accept-Encoding").orElse(null);
            Entry br = source.find(relative + ".br");
            Entry gz = source.find(relative + ".gz");
            varies = br != null && !br.directory || gz != null && !gz.directory;
            double best = 0;
            if (br != null && !br.directory) {
                double q = HttpValues.quality(accept, "br");
                if (q > 0) {
                    entry = br;
                    coding = "br";
                    best = q;
                }
            }
            if (gz != null && !gz.directory) {
                double q = HttpValues.quality(accept, "gzip");
                if (q > best) {
                    entry = gz;
                    coding = "gzip";
                }
            }
        }
        long size = entry.size;
        long modified = Math.floorDiv(entry.modifiedMillis, 1000);
        String etag = "\"" + Long.toHexString(size) + "-" + Long.toHexString(entry.modifiedMillis)
                + (coding == null ? "" : coding.equals("br") ? "-br" : "-gz") + "\"";
        Headers.Builder fields = Headers.builder();
        fields.add("ETag", etag);
        fields.add("Last-Modified", HttpValues.formatDate(modified));
        String cache = cacheControl.apply(relative);
        if (cache != null) {
            fields.add("Cache-Control", cache);
        }
        if (varies) {
            fields.add("Vary", "Accept-Encoding");
        }

        // RFC 9110 section 13.2.2: the order in which preconditions are evaluated
        String ifMatch = request.header("If-Match").orElse(null);
        if (ifMatch != null) {
            if (!HttpValues.matches(ifMatch, etag, false)) {
                return failed();
            }
        } else {
            long since = HttpValues.parseDate(request.header("If-Unmodified-Since").orElse(null));
            if (since != Long.MIN_VALUE && modified > since) {
                return failed();
            }
        }
        String ifNoneMatch = request.header("If-None-Match").orElse(null);
        if (ifNoneMatch != null) {
            if (HttpValues.matches(ifNoneMatch, etag, true)) {
                return Response.of(Status.NOT_MODIFIED, fields.build(), Body.empty());
            }
        } else {
            long since = HttpValues.parseDate(request.header("If-Modified-Since").orElse(null));
            if (since != Long.MIN_VALUE && modified <= since) {
                return Response.of(Status.NOT_MODIFIED, fields.build(), Body.empty());
            }
        }

        String range = request.header("Range").orElse(null);
        HttpValues.Range parsed = range != null && request.method().equals(Method.GET) && ifRangeHolds(request, etag, modified)
                ? HttpValues.range(range, size) : null;
        if (parsed instanceof HttpValues.Unsatisfiable) {
            return Response.error(Status.RANGE_NOT_SATISFIABLE, "Range Not Satisfiable")
                    .withHeader("Content-Range", "bytes */" + size).withHeader("ETag", etag);
        }
        fields.add("Content-Type", contentType(relative));
        if (coding != null) {
            fields.add("Content-Encoding", coding);
        }
        fields.add("Accept-Ranges", "bytes");
        if (parsed instanceof HttpValues.Satisfiable part) {
            fields.add("Content-Range", "bytes " + part.first() + "-" + part.last() + "/" + size);
            return Response.of(Status.PARTIAL_CONTENT, fields.build(), entry.body(part.first(), part.length()));
        }
        return Response.of(Status.OK, fields.build(), entry.body(0, size));
    }

    /** Returns whether an If-Range field, if any, lets the Range field apply: a strong match of the ETag or the exact date. */
    private static boolean ifRangeHolds(Request request, String etag, long modified) {
        String ifRange = request.header("If-Range").orElse(null);
        if (ifRange == null) {
            return true;
        }
        String value = ifRange.strip();
        if (value.startsWith("\"") || value.startsWith("W/")) {
            return !value.startsWith("W/") && value.equals(etag);
        }
        return HttpValues.parseDate(value) == modified;
    }

    private String contentType(String relative) {
        int slash = relative.lastIndexOf('/');
        int dot = relative.lastIndexOf('.');
        if (dot <= slash + 1) {
            return "application/octet-stream";
        }
        String extension = relative.substring(dot + 1).toLowerCase(Locale.ROOT);
        String type = contentTypes.get(extension);
        if (type == null) {
            type = TYPES.get(extension);
        }
        return type == null ? "application/octet-stream" : type;
    }

    private static Response notFound() {
        return Response.error(Status.NOT_FOUND, "Not Found");
    }

    private static Response failed() {
        return Response.error(Status.PRECONDITION_FAILED, "Precondition Failed");
    }

    private static Map<String, String> types() {
        Map<String, String> types = new HashMap<>();
        String utf8 = "; charset=utf-8";
        types.put("html", "text/html" + utf8);
        types.put("htm", "text/html" + utf8);
        types.put("css", "text/css" + utf8);
        types.put("js", "text/javascript" + utf8);
        types.put("mjs", "text/javascript" + utf8);
        types.put("txt", "text/plain" + utf8);
        types.put("csv", "text/csv" + utf8);
        types.put("md", "text/markdown" + utf8);
        types.put("xml", "text/xml" + utf8);
        types.put("json", "application/json");
        types.put("map", "application/json");
        types.put("jsonld", "application/ld+json");
        types.put("webmanifest", "application/manifest+json");
        types.put("wasm", "application/wasm");
        types.put("pdf", "application/pdf");
        types.put("zip", "application/zip");
        types.put("gz", "application/gzip");
        types.put("svg", "image/svg+xml");
        types.put("png", "image/png");
        types.put("jpg", "image/jpeg");
        types.put("jpeg", "image/jpeg");
        types.put("gif", "image/gif");
        types.put("webp", "image/webp");
        types.put("avif", "image/avif");
        types.put("ico", "image/vnd.microsoft.icon");
        types.put("bmp", "image/bmp");
        types.put("woff", "font/woff");
        types.put("woff2", "font/woff2");
        types.put("ttf", "font/ttf");
        types.put("otf", "font/otf");
        types.put("mp4", "video/mp4");
        types.put("webm", "video/webm");
        types.put("mp3", "audio/mpeg");
        types.put("ogg", "audio/ogg");
        types.put("wav", "audio/wav");
        return Map.copyOf(types);
    }

    /** A file or directory found below the root, with what its validators need. */
    private static final class Entry {
        final boolean directory;
        final long size;
        final long modifiedMillis;
        final Path path;
        final URL url;

        Entry(boolean directory, long size, long modifiedMillis, Path path, URL url) {
            this.directory = directory;
            this.size = size;
            this.modifiedMillis = modifiedMillis;
            this.path = path;
            this.url = url;
        }

        Body body(long offset, long length) throws IOException {
            if (path != null) {
                return Body.of(path, offset, length);
            }
            InputStream in = url.openStream();
            try {
                in.skipNBytes(offset);
            } catch (IOException e) {
                in.close();
                throw e;
            }
            return Body.of(new dev.ferry.internal.BoundedInputStream(in, length), length);
        }
    }

    /** Where files come from. */
    private interface Source {
        /** Returns the entry at this relative name ({@code a/b.txt}, empty for the root), or null. */
        Entry find(String relative) throws IOException;
    }

    /** Files below a directory; symbolic links are followed only while their target stays below its real path. */
    private static final class DirectorySource implements Source {
        private final Path root;
        private final Path realRoot;

        DirectorySource(Path root) {
            try {
                this.root = root;
                this.realRoot = root.toRealPath();
            } catch (IOException e) {
                throw new IllegalArgumentException("not a directory: " + root, e);
            }
            if (!Files.isDirectory(realRoot)) {
                throw new IllegalArgumentException("not a directory: " + root);
            }
        }

        @Override
        public Entry find(String relative) throws IOException {
            Path path = root.resolve(relative);
            if (!relative.isEmpty() && !Files.exists(path)) {
                return null; // most lookups of siblings miss: answered without an exception
            }
            Path real;
            try {
                real = relative.isEmpty() ? realRoot : path.toRealPath();
            } catch (NoSuchFileException e) {
                return null;
            } catch (IOException e) {
                return null; // not readable, a loop of links, a name the file system refuses
            }
            if (!real.startsWith(realRoot)) {
                return null;
            }
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                return null;
            }
            if (attributes.isDirectory()) {
                return new Entry(true, 0, 0, real, null);
            }
            if (!attributes.isRegularFile()) {
                return null;
            }
            return new Entry(false, attributes.size(), attributes.lastModifiedTime().toMillis(), real, null);
        }
    }

    /** Resources below a prefix of the class path, from directories or jars; never {@code .class} files. */
    private static final class ClasspathSource implements Source {
        private final String prefix;
        private final ClassLoader loader;

        ClasspathSource(String prefix, ClassLoader loader) {
            String trimmed = prefix.strip();
            while (trimmed.startsWith("/")) {
                trimmed = trimmed.substring(1);
            }
            while (trimmed.endsWith("/")) {
                trimmed = trimmed.substring(0, trimmed.length() - 1);
            }
            for (String segment : trimmed.split("/")) {
                if (segment.equals("..") || segment.equals(".")) {
                    throw new IllegalArgumentException("a class-path prefix has no dot segments: " + prefix);
                }
            }
            this.prefix = trimmed;
            this.loader = loader;
        }

        @Override
        public Entry find(String relative) throws IOException {
            if (relative.endsWith(".class") || relative.endsWith(".class/")) {
                return null;
            }
            String name = relative.endsWith("/") ? relative.substring(0, relative.length() - 1) : relative;
            String full = prefix.isEmpty() ? name : name.isEmpty() ? prefix : prefix + "/" + name;
            if (full.isEmpty()) {
                return null; // the root of the whole class path is never listed or served
            }
            URL url = loader.getResource(full);
            if (url == null) {
                return null;
            }
            switch (url.getProtocol()) {
                case "file" -> {
                    Path path;
                    try {
                        path = Path.of(url.toURI());
                    } catch (URISyntaxException | IllegalArgumentException e) {
                        return null;
                    }
                    // the class-path root this resource came from, so that a link cannot lead out of the prefix
                    Path base = path;
                    for (int i = full.split("/").length - (prefix.isEmpty() ? 0 : prefix.split("/").length); i > 0; i--) {
                        base = base.getParent();
                    }
                    Path real;
                    Path realBase;
                    try {
                        real = path.toRealPath();
                        realBase = base.toRealPath();
                    } catch (IOException e) {
                        return null;
                    }
                    if (!real.startsWith(realBase)) {
                        return null;
                    }
                    BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
                    if (attributes.isDirectory()) {
                        return new Entry(true, 0, 0, real, null);
                    }
                    return attributes.isRegularFile()
                            ? new Entry(false, attributes.size(), attributes.lastModifiedTime().toMillis(), real, null) : null;
                }
                case "jar" -> {
                    URLConnection connection = url.openConnection(); // the JDK's cached JarFile: nothing to close
                    if (!(connection instanceof JarURLConnection jar)) {
                        return null;
                    }
                    JarEntry entry = jar.getJarEntry();
                    if (entry == null) {
                        return null;
                    }
                    if (entry.isDirectory() || !entry.getName().equals(full)) {
                        return new Entry(true, 0, 0, null, url);
                    }
                    long modified = entry.getTime();
                    if (modified < 0) {
                        modified = jar.getJarFile() == null ? 0 : Files.getLastModifiedTime(Path.of(jar.getJarFile().getName())).toMillis();
                    }
                    return new Entry(false, entry.getSize(), modified, null, url);
                }
                default -> {
                    return null;
                }
            }
        }
    }

    /** Collects the options of a {@link StaticFiles} handler. */
    public static final class Builder {
        private Source source;
        private Function<String, String> cacheControl = path -> "no-cache";
        private String indexFile = "index.html";
        private boolean precompressed = true;
        private boolean hiddenFiles;
        private final Map<String, String> contentTypes = new HashMap<>();

        private Builder() {
        }

        /**
         * Serves the files below this directory.
         *
         * @throws IllegalArgumentException when the path is not a directory
         */
        public Builder directory(Path root) {
            this.source = new DirectorySource(root);
            return this;
        }

        /** Serves the class-path resources below this prefix, found by the class loader that loaded Ferry. */
        public Builder classpath(String prefix) {
            return classpath(prefix, StaticFiles.class.getClassLoader());
        }

        /** Serves the class-path resources below this prefix, found by this class loader. */
        public Builder classpath(String prefix, ClassLoader loader) {
            this.source = new ClasspathSource(Objects.requireNonNull(prefix), Objects.requireNonNull(loader));
            return this;
        }

        /** Sends this {@code Cache-Control} value with every file ({@code no-cache} by default); null sends none. */
        public Builder cacheControl(String value) {
            return cacheControl(path -> value);
        }

        /**
         * Sends the {@code Cache-Control} value the policy gives for a file's relative path
         * ({@code js/app.3f2a.js}); null sends none. For example, {@link #IMMUTABLE} for fingerprinted
         * names and {@code no-cache} for the rest.
         */
        public Builder cacheControl(Function<String, String> policy) {
            this.cacheControl = Objects.requireNonNull(policy);
            return this;
        }

        /** Serves this file for a directory ({@code index.html} by default); null answers directories 404. */
        public Builder indexFile(String name) {
            if (name != null && (name.isEmpty() || name.contains("/") || name.contains("\\"))) {
                throw new IllegalArgumentException("an index file is a plain file name: " + name);
            }
            this.indexFile = name;
            return this;
        }

        /** Serves {@code NAME.br} and {@code NAME.gz} siblings to clients that accept them (on by default). */
        public Builder precompressed(boolean enabled) {
            this.precompressed = enabled;
            return this;
        }

        /** Serves files and directories whose name starts with a dot (off by default). */
        public Builder hiddenFiles(boolean enabled) {
            this.hiddenFiles = enabled;
            return this;
        }

        /** Sends this {@code Content-Type} for files with this extension ({@code "md"}), over the built-in table. */
        public Builder contentType(String extension, String type) {
            MediaType.parse(type); // refuses a malformed type now rather than on every response
            contentTypes.put(extension.toLowerCase(Locale.ROOT), type);
            return this;
        }

        /**
         * Returns the handler.
         *
         * @throws IllegalStateException when neither a directory nor a class-path prefix was given
         */
        public StaticFiles build() {
            if (source == null) {
                throw new IllegalStateException("give a directory or a class-path prefix to serve");
            }
            return new StaticFiles(this);
        }
    }
}
