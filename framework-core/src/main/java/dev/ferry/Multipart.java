package dev.ferry;

import dev.ferry.internal.FormData;
import dev.ferry.internal.MultipartParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads {@code multipart/form-data} request bodies (RFC 7578), as HTML forms with file inputs send
 * them, while they stream in: part by part with {@link #reader(Request)} or {@link #each}, or
 * collected with {@link #form(Request)}, small parts in memory and larger ones in temporary files
 * that {@link Form#close()} or the {@link #cleanup()} filter deletes.
 *
 * <p>A value holds the limits; {@link #defaults()} suits most apps. A body that is not multipart
 * form data is answered 415, a malformed one 400 with what is wrong, and a body past a limit 413;
 * the server's own body limit ({@code ServerConfig.maxRequestBody}) bounds the whole upload.
 */
public final class Multipart {

    /** The default limit on the number of parts in one body. */
    public static final int DEFAULT_MAX_PARTS = 100;
    /** The default limit on the header block of one part, in bytes. */
    public static final int DEFAULT_MAX_PART_HEADER_BYTES = 8 * 1024;
    /** The default size above which {@link #form} keeps a part in a temporary file, in bytes. */
    public static final int DEFAULT_MEMORY_THRESHOLD = 64 * 1024;

    private static final Multipart DEFAULTS = builder().build();
    private static final Attribute<Forms> SCOPE = Attribute.named("ferry.multipart.forms", Forms.class);

    private final int maxParts;
    private final long maxPartSize;
    private final int maxPartHeaderBytes;
    private final int memoryThreshold;
    private final Path tempDirectory;
    private final Charset defaultCharset;

    private Multipart(Builder builder) {
        this.maxParts = builder.maxParts;
        this.maxPartSize = builder.maxPartSize;
        this.maxPartHeaderBytes = builder.maxPartHeaderBytes;
        this.memoryThreshold = builder.memoryThreshold;
        this.tempDirectory = builder.tempDirectory;
        this.defaultCharset = builder.defaultCharset;
    }

    /**
     * Returns the default settings: at most {@value #DEFAULT_MAX_PARTS} parts, part headers of at most
     * {@value #DEFAULT_MAX_PART_HEADER_BYTES} bytes, parts of any size within the server's body limit,
     * parts above {@value #DEFAULT_MEMORY_THRESHOLD} bytes in files under {@code java.io.tmpdir}, and
     * UTF-8 for fields that name no charset.
     */
    public static Multipart defaults() {
        return DEFAULTS;
    }

    /** Returns a builder that starts from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder that starts from these settings. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.maxParts = maxParts;
        builder.maxPartSize = maxPartSize;
        builder.maxPartHeaderBytes = maxPartHeaderBytes;
        builder.memoryThreshold = memoryThreshold;
        builder.tempDirectory = tempDirectory;
        builder.defaultCharset = defaultCharset;
        return builder;
    }

    /** Returns the most parts a body may hold; one more is answered 413. */
    public int maxParts() {
        return maxParts;
    }

    /** Returns the most content bytes one part may hold; more is answered 413. */
    public long maxPartSize() {
        return maxPartSize;
    }

    /** Returns the most bytes the header block of one part may take; more is answered 413. */
    public int maxPartHeaderBytes() {
        return maxPartHeaderBytes;
    }

    /** Returns the size up to which {@link #form} keeps a part in memory. */
    public int memoryThreshold() {
        return memoryThreshold;
    }

    /** Returns the directory of temporary files, or empty for {@code java.io.tmpdir}. */
    public Optional<Path> tempDirectory() {
        return Optional.ofNullable(tempDirectory);
    }

    /** Returns the charset of fields that name none, in their part or in a {@code _charset_} field. */
    public Charset defaultCharset() {
        return defaultCharset;
    }

    /**
     * Returns a filter that closes every {@link Form} its handler read with {@link #form} when the
     * handler returns or throws, so that their temporary files are gone whatever the handler does.
     */
    public static Filter cleanup() {
        return next -> request -> {
            Forms forms = new Forms();
            try {
                return next.handle(request.with(SCOPE, forms));
            } finally {
                forms.closeAll();
            }
        };
    }

    /** The forms read under one {@link #cleanup()}, from whichever threads read them. */
    private static final class Forms {
        private final List<Form> read = new ArrayList<>(1);

        synchronized void add(Form form) {
            read.add(form);
        }

        synchronized void closeAll() throws IOException {
            for (Form form : read) {
                form.close();
            }
        }
    }

    /**
     * Starts reading the request's parts one at a time, as they arrive.
     *
     * @throws HttpException 415 when the request is not {@code multipart/form-data}, 400 when its
     *     boundary is missing or invalid
     */
    public Reader reader(Request request) {
        MediaType type = request.contentType().orElse(null);
        if (type == null || !type.type().equals("multipart") || !type.subtype().equals("form-data")) {
            throw new HttpException(Status.UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type: expected multipart/form-data");
        }
        String boundary = type.parameters().get("boundary");
        String problem = MultipartParser.checkBoundary(boundary);
        if (problem != null) {
            throw new HttpException(Status.BAD_REQUEST, "Bad Request: " + problem);
        }
        InputStream body;
        try {
            body = request.body().stream();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new Reader(new MultipartParser(body, boundary, maxParts, maxPartSize, maxPartHeaderBytes), defaultCharset);
    }

    /**
     * Hands each part to the visitor as it arrives; what the visitor leaves unread of a part is skipped.
     *
     * @throws HttpException 415, 400 or 413 as {@link Reader#next()} does
     * @throws Exception what the visitor throws
     */
    public void each(Request request, PartVisitor visitor) throws Exception {
        try (Reader parts = reader(request)) {
            Part part;
            while ((part = parts.next()) != null) {
                visitor.visit(part);
            }
        }
    }

    /**
     * Reads the whole body: parts up to {@link #memoryThreshold()} in memory, larger ones in temporary
     * files, named at random, never after the client's file name. Close the form (or run the handler
     * under {@link #cleanup()}) to delete them; when reading fails (a limit, a malformed body, a client
     * that goes away) the files made so far are deleted before this throws.
     *
     * @throws HttpException 415, 400 or 413 as {@link Reader#next()} does
     */
    public Form form(Request request) throws IOException {
        List<Path> temporary = new ArrayList<>();
        OutputStream open = null;
        try {
            List<Collected> collected = new ArrayList<>();
            Charset formCharset;
            try (Reader parts = reader(request)) {
                byte[] chunk = new byte[16 * 1024];
                Part part;
                while ((part = parts.next()) != null) {
                    ByteArrayOutputStream memory = new ByteArrayOutputStream();
                    Path file = null;
                    long size = 0;
                    InputStream in = part.stream();
                    int n;
                    while ((n = in.read(chunk)) >= 0) {
                        if (file == null && size + n > memoryThreshold) {
                            file = createTemporary();
                            temporary.add(file);
                            open = Files.newOutputStream(file, StandardOpenOption.WRITE);
                            memory.writeTo(open);
                            memory = null;
                        }
                        if (open != null) {
                            open.write(chunk, 0, n);
                        } else {
                            memory.write(chunk, 0, n);
                        }
                        size += n;
                    }
                    if (open != null) {
                        open.close();
                        open = null;
                    }
                    collected.add(new Collected(part, memory == null ? null : memory.toByteArray(), file, size));
                }
                formCharset = parts.formCharset;
            }
            List<FormPart> formParts = new ArrayList<>(collected.size());
            for (Collected c : collected) {
                Charset charset = c.part.explicit != null ? c.part.explicit : formCharset != null ? formCharset : defaultCharset;
                formParts.add(new FormPart(c.part, charset, c.bytes, c.file, c.size));
            }
            Form form = new Form(List.copyOf(formParts));
            request.attribute(SCOPE).ifPresent(forms -> forms.add(form));
            return form;
        } catch (Throwable e) {
            if (open != null) {
                try {
                    open.close();
                } catch (IOException ignored) {
                    // the file is deleted next
                }
            }
            for (Path file : temporary) {
                Files.deleteIfExists(file);
            }
            throw e;
        }
    }

    private Path createTemporary() throws IOException {
        Path directory = tempDirectory != null ? tempDirectory : Path.of(System.getProperty("java.io.tmpdir"));
        return Files.createTempFile(directory, "ferry-upload-", ".tmp");
    }

    private record Collected(Part part, byte[] bytes, Path file, long size) {
    }

    /** Receives the parts of a body one at a time. */
    @FunctionalInterface
    public interface PartVisitor {
        /** Handles one part; its content is readable until this returns. */
        void visit(Part part) throws Exception;
    }

    /** Returns the headers of a part from the parser's names and values. */
    private static Headers headers(String[] fields) {
        Headers.Builder builder = Headers.builder();
        try {
            for (int i = 0; i < fields.length; i += 2) {
                builder.add(fields[i], fields[i + 1]);
            }
        } catch (IllegalArgumentException e) {
            throw new HttpException(Status.BAD_REQUEST, "Bad Request: malformed multipart body: a part header is malformed");
        }
        return builder.build();
    }

    private static Charset charsetOrNull(String name) {
        try {
            return name == null || name.isBlank() ? null : Charset.forName(name.strip());
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            return null;
        }
    }

    /**
     * Reads the parts of one body in order. Each part's content streams from the body and must be read
     * before the next part is asked for; {@link #next()} skips what is left of it.
     */
    public static final class Reader implements AutoCloseable {
        private final MultipartParser parser;
        private final Charset defaultCharset;
        private Charset formCharset;
        private Part current;

        private Reader(MultipartParser parser, Charset defaultCharset) {
            this.parser = parser;
            this.defaultCharset = defaultCharset;
        }

        /**
         * Returns the next part, or null after the last one.
         *
         * @throws HttpException 400 when the body is malformed (no opening or closing boundary, a
         *     premature end, bad part headers, a part without {@code Content-Disposition: form-data;
         *     name=...}); 413 when it has too many parts, a part's headers or content are too large, or
         *     the body passes the server's limit
         */
        public Part next() throws IOException {
            if (current != null) {
                current.passed = true;
            }
            String[] fields = parser.next();
            if (fields == null) {
                current = null;
                return null;
            }
            Headers headers = headers(fields);
            FormData.Disposition disposition = FormData.disposition(headers.firstOrNull("Content-Disposition"));
            parser.partName(disposition.name());
            MediaType type = null;
            String contentType = headers.firstOrNull("Content-Type");
            if (contentType != null) {
                try {
                    type = MediaType.parse(contentType);
                } catch (IllegalArgumentException e) {
                    throw new HttpException(Status.BAD_REQUEST,
                            "Bad Request: malformed multipart body: a part's Content-Type is malformed");
                }
            }
            Charset explicit = type == null ? null : type.charset().orElse(null);
            Part part = new Part(this, disposition, type, headers, explicit);
            if (disposition.name().equals("_charset_") && disposition.filename() == null) {
                // RFC 7578 4.6: the charset of the fields that name none; read at once, it is a few bytes
                byte[] value = part.stream().readNBytes(64);
                if (part.stream().read() >= 0) {
                    throw new HttpException(Status.BAD_REQUEST,
                            "Bad Request: malformed multipart body: the _charset_ field is longer than 64 bytes");
                }
                formCharset = charsetOrNull(new String(value, StandardCharsets.US_ASCII));
                part.buffered = value;
            }
            current = part;
            return part;
        }

        /** Returns the charset of the fields that name none: a {@code _charset_} field's if one came, else the default. */
        public Charset charset() {
            return formCharset != null ? formCharset : defaultCharset;
        }

        /** Stops reading; what is left of the body is the server's to drain or drop. */
        @Override
        public void close() {
            if (current != null) {
                current.passed = true;
            }
        }
    }

    /**
     * One part of a body as it arrives: its name, file name, type and headers, and content that streams
     * once from the body.
     */
    public static final class Part {
        private final Reader reader;
        private final FormData.Disposition disposition;
        private final MediaType contentType;
        private final Headers headers;
        private final Charset explicit;
        private final InputStream content;
        private String safeName;
        private byte[] buffered;
        private boolean passed;

        private Part(Reader reader, FormData.Disposition disposition, MediaType contentType, Headers headers, Charset explicit) {
            this.reader = reader;
            this.disposition = disposition;
            this.contentType = contentType;
            this.headers = headers;
            this.explicit = explicit;
            this.content = new Content();
        }

        /** Returns the field name from {@code Content-Disposition}. */
        public String name() {
            return disposition.name();
        }

        /**
         * Returns the client's file name made safe for one path segment: no directories, separators,
         * control characters or leading dots, at most 255 UTF-8 bytes; empty when the part has no file
         * name. Still chosen by the client: do not let it overwrite files you care about.
         */
        public Optional<String> filename() {
            if (disposition.filename() == null) {
                return Optional.empty();
            }
            if (safeName == null) {
                safeName = FormData.safeFilename(disposition.filename());
            }
            return Optional.of(safeName);
        }

        /**
         * Returns the file name exactly as the client sent it ({@code filename*} decoded when given):
         * untrusted, possibly a path such as {@code ../../etc/passwd}; never use it as a path or in
         * HTML without escaping.
         */
        public Optional<String> untrustedFilename() {
            return Optional.ofNullable(disposition.filename());
        }

        /** Returns whether the part came from a file input: it has a file name, even an empty one. */
        public boolean isFile() {
            return disposition.filename() != null;
        }

        /** Returns the part's Content-Type, if it has one; RFC 7578 makes {@code text/plain} the default. */
        public Optional<MediaType> contentType() {
            return Optional.ofNullable(contentType);
        }

        /** Returns the part's headers, octets as ISO-8859-1 characters. */
        public Headers headers() {
            return headers;
        }

        /**
         * Returns the charset of the part's text: its Content-Type's, else the {@code _charset_} field's
         * if that came earlier, else the default.
         */
        public Charset charset() {
            return explicit != null ? explicit : reader.charset();
        }

        /** Returns the content as a stream, readable until the next part is asked for. */
        public InputStream stream() {
            return content;
        }

        /** Reads the rest of the content into memory, bounded by {@link Multipart#maxPartSize()}. */
        public byte[] bytes() throws IOException {
            return content.readAllBytes();
        }

        /** Reads the rest of the content as text in {@link #charset()}. */
        public String text() throws IOException {
            return new String(bytes(), charset());
        }

        @Override
        public String toString() {
            return "Part[" + name() + (isFile() ? ", file " + filename().orElse("") : "") + "]";
        }

        private final class Content extends InputStream {
            private int offset;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                if (passed) {
                    throw new IOException("part '" + name() + "' was passed: read a part before asking for the next");
                }
                if (buffered != null) {
                    if (offset == buffered.length) {
                        return -1;
                    }
                    int n = Math.min(len, buffered.length - offset);
                    System.arraycopy(buffered, offset, b, off, n);
                    offset += n;
                    return n;
                }
                return reader.parser.read(b, off, len);
            }
        }
    }

    /**
     * A whole form read by {@link #form}: its parts in order, each readable any number of times until
     * the form is closed, which deletes the temporary files of the parts not moved elsewhere.
     */
    public static final class Form implements AutoCloseable {
        private final List<FormPart> parts;

        private Form(List<FormPart> parts) {
            this.parts = parts;
        }

        /** Returns every part in the order received. */
        public List<FormPart> parts() {
            return parts;
        }

        /** Returns the first part of this name, file or field. */
        public Optional<FormPart> part(String name) {
            for (FormPart part : parts) {
                if (part.name().equals(name)) {
                    return Optional.of(part);
                }
            }
            return Optional.empty();
        }

        /** Returns the text of the first field (a part without a file name) of this name. */
        public Optional<String> field(String name) throws IOException {
            for (FormPart part : parts) {
                if (!part.isFile() && part.name().equals(name)) {
                    return Optional.of(part.text());
                }
            }
            return Optional.empty();
        }

        /** Returns the texts of every field (part without a file name) of this name, in order. */
        public List<String> fields(String name) throws IOException {
            List<String> values = new ArrayList<>();
            for (FormPart part : parts) {
                if (!part.isFile() && part.name().equals(name)) {
                    values.add(part.text());
                }
            }
            return Collections.unmodifiableList(values);
        }

        /** Returns the first file (a part with a file name) of this name. */
        public Optional<FormPart> file(String name) {
            for (FormPart part : parts) {
                if (part.isFile() && part.name().equals(name)) {
                    return Optional.of(part);
                }
            }
            return Optional.empty();
        }

        /** Returns every file (part with a file name) of this name, in order. */
        public List<FormPart> files(String name) {
            List<FormPart> files = new ArrayList<>();
            for (FormPart part : parts) {
                if (part.isFile() && part.name().equals(name)) {
                    files.add(part);
                }
            }
            return Collections.unmodifiableList(files);
        }

        /** Deletes the temporary files of the parts not moved with {@link FormPart#moveTo}; idempotent. */
        @Override
        public void close() throws IOException {
            IOException failure = null;
            for (FormPart part : parts) {
                try {
                    part.delete();
                } catch (IOException e) {
                    failure = failure == null ? e : failure;
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** One part of a {@link Form}: its metadata and its content, in memory or in a temporary file. */
    public static final class FormPart {
        private final String name;
        private final String untrustedFilename;
        private final String filename;
        private final MediaType contentType;
        private final Headers headers;
        private final Charset charset;
        private final byte[] bytes;
        private final long size;
        private Path file;
        private boolean kept;

        private FormPart(Part part, Charset charset, byte[] bytes, Path file, long size) {
            this.name = part.name();
            this.untrustedFilename = part.untrustedFilename().orElse(null);
            this.filename = part.filename().orElse(null);
            this.contentType = part.contentType;
            this.headers = part.headers;
            this.charset = charset;
            this.bytes = bytes;
            this.file = file;
            this.size = size;
        }

        /** Returns the field name. */
        public String name() {
            return name;
        }

        /** Returns the client's file name made safe for one path segment, as {@link Part#filename()} does. */
        public Optional<String> filename() {
            return Optional.ofNullable(filename);
        }

        /** Returns the file name exactly as the client sent it: untrusted, see {@link Part#untrustedFilename()}. */
        public Optional<String> untrustedFilename() {
            return Optional.ofNullable(untrustedFilename);
        }

        /** Returns whether the part has a file name, even an empty one. */
        public boolean isFile() {
            return untrustedFilename != null;
        }

        /** Returns the part's Content-Type, if it has one. */
        public Optional<MediaType> contentType() {
            return Optional.ofNullable(contentType);
        }

        /** Returns the part's headers. */
        public Headers headers() {
            return headers;
        }

        /** Returns the charset of {@link #text()}: the part's, the {@code _charset_} field's, or the default. */
        public Charset charset() {
            return charset;
        }

        /** Returns the content's length in bytes. */
        public long size() {
            return size;
        }

        /** Returns the file that holds the content when it is not in memory (a temporary file until moved). */
        public synchronized Optional<Path> path() {
            return Optional.ofNullable(file);
        }

        /** Opens the content. */
        public synchronized InputStream stream() throws IOException {
            return file == null ? new ByteArrayInputStream(bytes) : Files.newInputStream(file);
        }

        /** Reads the content into memory. */
        public byte[] bytes() throws IOException {
            try (InputStream in = stream()) {
                return in.readAllBytes();
            }
        }

        /** Reads the content as text in {@link #charset()}. */
        public String text() throws IOException {
            return new String(bytes(), charset);
        }

        /** Returns the content as a body, a file body when it is in a file. */
        public synchronized Body body() {
            return file == null ? Body.of(bytes) : Body.of(file);
        }

        /**
         * Moves the content to {@code target}, which must not exist: a rename when it is in a temporary
         * file on the same file system, else a copy. The form no longer deletes it; the part reads from
         * the target afterwards.
         *
         * @throws FileAlreadyExistsException when the target exists
         */
        public synchronized void moveTo(Path target) throws IOException {
            if (file == null) {
                Files.write(target, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return;
            }
            if (Files.exists(target)) {
                throw new FileAlreadyExistsException(target.toString());
            }
            try {
                Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(file, target);
            }
            file = target;
            kept = true;
        }

        private synchronized void delete() throws IOException {
            if (file != null && !kept) {
                Files.deleteIfExists(file);
            }
        }

        @Override
        public String toString() {
            return "FormPart[" + name + (isFile() ? ", file " + filename : "") + ", " + size + " bytes]";
        }
    }

    /** Collects settings for {@link Multipart}; starts from the defaults. */
    public static final class Builder {
        private int maxParts = DEFAULT_MAX_PARTS;
        private long maxPartSize = Long.MAX_VALUE;
        private int maxPartHeaderBytes = DEFAULT_MAX_PART_HEADER_BYTES;
        private int memoryThreshold = DEFAULT_MEMORY_THRESHOLD;
        private Path tempDirectory;
        private Charset defaultCharset = StandardCharsets.UTF_8;

        private Builder() {
        }

        /** Sets the most parts a body may hold (at least 1). */
        public Builder maxParts(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("maxParts must be at least 1: " + count);
            }
            this.maxParts = count;
            return this;
        }

        /** Sets the most content bytes one part may hold (at least 0); unlimited by default, within the server's body limit. */
        public Builder maxPartSize(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxPartSize must not be negative: " + bytes);
            }
            this.maxPartSize = bytes;
            return this;
        }

        /** Sets the most bytes one part's header block may take (at least 64). */
        public Builder maxPartHeaderBytes(int bytes) {
            if (bytes < 64) {
                throw new IllegalArgumentException("maxPartHeaderBytes must be at least 64: " + bytes);
            }
            this.maxPartHeaderBytes = bytes;
            return this;
        }

        /** Sets the size up to which {@link Multipart#form} keeps a part in memory; 0 puts every non-empty part in a file. */
        public Builder memoryThreshold(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("memoryThreshold must not be negative: " + bytes);
            }
            this.memoryThreshold = bytes;
            return this;
        }

        /** Sets the directory of temporary files, which must exist; {@code java.io.tmpdir} by default. */
        public Builder tempDirectory(Path directory) {
            this.tempDirectory = Objects.requireNonNull(directory);
            return this;
        }

        /** Sets the charset of fields that name none; UTF-8 by default. */
        public Builder defaultCharset(Charset charset) {
            this.defaultCharset = Objects.requireNonNull(charset);
            return this;
        }

        /** Returns the settings. */
        public Multipart build() {
            return new Multipart(this);
        }
    }
}
