package dev.ferry;

import dev.ferry.internal.BoundedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The content of a request or response: empty, bytes, an input stream read once, a writer that
 * streams (and may flush) as it goes, or a file. Servers switch on the kind to send each one the
 * cheapest way they can; apps mostly use the factories and {@link #text()}.
 */
public sealed interface Body permits Body.Empty, Body.Bytes, Body.Stream, Body.Streamed, Body.File {

    /** Returns the length in bytes, or -1 when it is not known before sending. */
    long length();

    /** Opens the content as a stream; a stream body can be opened only once. */
    InputStream stream() throws IOException;

    /** Writes the whole content to {@code out}. */
    void writeTo(OutputStream out) throws IOException;

    /** Reads the whole content; a request body past the server's limit fails with 413 while reading. */
    default byte[] bytes() throws IOException {
        try (InputStream in = stream()) {
            return in.readAllBytes();
        }
    }

    /** Reads the whole content as UTF-8 text. */
    default String text() throws IOException {
        return text(StandardCharsets.UTF_8);
    }

    /** Reads the whole content as text in the given charset. */
    default String text(Charset charset) throws IOException {
        return new String(bytes(), charset);
    }

    /** Returns the empty body. */
    static Body empty() {
        return Empty.INSTANCE;
    }

    /** Returns a body of these bytes; the array must not change afterwards. */
    static Body of(byte[] bytes) {
        return bytes.length == 0 ? Empty.INSTANCE : new Bytes(bytes);
    }

    /** Returns a body of this text encoded as UTF-8. */
    static Body of(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Returns a body of this text in the given charset. */
    static Body of(String text, Charset charset) {
        return of(text.getBytes(charset));
    }

    /** Returns a body read once from this stream, of unknown length. */
    static Body of(InputStream in) {
        return new Stream(in, -1);
    }

    /** Returns a body read once from this stream, which holds {@code length} bytes (-1 if unknown). */
    static Body of(InputStream in, long length) {
        return new Stream(in, length);
    }

    /** Returns the content of a file, which servers may send without copying it through the heap. */
    static Body of(Path file) {
        try {
            return new File(file, 0, Files.size(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Returns {@code length} bytes of a file from {@code offset} (a file region, as a range response
     * sends), which servers may send without copying them through the heap. The file must hold them
     * when the body is sent.
     *
     * @throws IllegalArgumentException when the offset or length is negative
     */
    static Body of(Path file, long offset, long length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("a file region has a non-negative offset and length: " + offset + ", " + length);
        }
        return new File(file, offset, length);
    }

    /**
     * Returns a body produced by a writer as the response is sent, of unknown length (sent chunked);
     * each {@code flush()} of the stream sends what was written so far, as server-sent events need.
     */
    static Body streamed(Writer writer) {
        return new Streamed(writer);
    }

    /** Produces a streamed body. */
    @FunctionalInterface
    interface Writer {
        /** Writes the body to {@code out}; flushing sends what is written so far to the client. */
        void writeTo(OutputStream out) throws IOException;
    }

    /** No content. */
    final class Empty implements Body {
        private static final Empty INSTANCE = new Empty();

        private Empty() {
        }

        @Override
        public long length() {
            return 0;
        }

        /** Returns a new empty stream each time: one that a reader closes must not be closed for every other. */
        @Override
        public InputStream stream() {
            return InputStream.nullInputStream();
        }

        @Override
        public void writeTo(OutputStream out) {
        }

        @Override
        public byte[] bytes() {
            return new byte[0];
        }

        @Override
        public String toString() {
            return "Body.empty()";
        }
    }

    /** Content held in memory. */
    final class Bytes implements Body {
        private final byte[] bytes;

        private Bytes(byte[] bytes) {
            this.bytes = bytes;
        }

        /** Returns a read-only view of the content, without copying it. */
        public ByteBuffer buffer() {
            return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
        }

        @Override
        public long length() {
            return bytes.length;
        }

        @Override
        public InputStream stream() {
            return new ByteArrayInputStream(bytes);
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            out.write(bytes);
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public String text(Charset charset) {
            return new String(bytes, charset);
        }

        @Override
        public String toString() {
            return "Body.of(" + bytes.length + " bytes)";
        }
    }

    /** Content read once from an input stream. */
    final class Stream implements Body {
        private final InputStream in;
        private final long length;
        private final AtomicBoolean opened = new AtomicBoolean();

        private Stream(InputStream in, long length) {
            this.in = in;
            this.length = length;
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public InputStream stream() {
            if (!opened.compareAndSet(false, true)) {
                throw new IllegalStateException("a stream body can be read only once");
            }
            return in;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            try (InputStream content = stream()) {
                content.transferTo(out);
            }
        }

        @Override
        public String toString() {
            return "Body.of(stream, " + (length < 0 ? "unknown length" : length + " bytes") + ")";
        }
    }

    /** Content written by the app while it is sent. */
    final class Streamed implements Body {
        private final Writer writer;

        private Streamed(Writer writer) {
            this.writer = writer;
        }

        /** Returns the writer that produces the content. */
        public Writer writer() {
            return writer;
        }

        @Override
        public long length() {
            return -1;
        }

        @Override
        public InputStream stream() throws IOException {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            writer.writeTo(buffer);
            return new ByteArrayInputStream(buffer.toByteArray());
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            writer.writeTo(out);
        }

        @Override
        public String toString() {
            return "Body.streamed(...)";
        }
    }

    /** Content of a file, or of a region of it. */
    final class File implements Body {
        private final Path path;
        private final long offset;
        private final long length;

        private File(Path path, long offset, long length) {
            this.path = path;
            this.offset = offset;
            this.length = length;
        }

        /** Returns the file's path. */
        public Path path() {
            return path;
        }

        /** Returns where the content starts in the file: 0 for a whole file. */
        public long offset() {
            return offset;
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public InputStream stream() throws IOException {
            InputStream in = Files.newInputStream(path);
            try {
                in.skipNBytes(offset);
            } catch (IOException e) {
                in.close();
                throw e;
            }
            return new BoundedInputStream(in, length);
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            try (InputStream in = stream()) {
                in.transferTo(out);
            }
        }

        @Override
        public String toString() {
            return "Body.of(" + path + (offset == 0 ? "" : ", from " + offset) + ", " + length + " bytes)";
        }
    }
}
