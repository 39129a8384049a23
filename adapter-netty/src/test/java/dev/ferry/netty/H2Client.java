package dev.ferry.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A bare HTTP/2 client over a socket, with prior knowledge, for tests: frames are written and read as they
 * are, header blocks through Netty's HPACK coder. It grants the server a large window, so that responses flow.
 */
final class H2Client implements AutoCloseable {

    static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7, WINDOW_UPDATE = 8;
    static final int END_STREAM = 1, END_HEADERS = 4;
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int WINDOW = 16 * 1024 * 1024;

    /** What the client has seen of one stream. */
    static final class Stream {
        final List<Http2Headers> heads = new ArrayList<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        int dataFrames;
        boolean ended;
        long reset = -1;
        long windowGranted;

        Http2Headers head() { return heads.getLast(); }

        String status() { return String.valueOf(head().status()); }

        String text() { return body.toString(StandardCharsets.UTF_8); }

        boolean done() { return ended || reset >= 0; }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, true);
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false, Long.MAX_VALUE);
    private final Map<Integer, Stream> streams = new HashMap<>();
    final Map<Integer, Long> settings = new HashMap<>();
    private int nextStream = 1;
    long goAwayLastStream = -1, goAwayCode = -1;
    int goAways;
    boolean eof;

    H2Client(int port) throws IOException {
        this(new Socket("127.0.0.1", port));
    }

    /** A client on a connected socket, a TLS one included. */
    H2Client(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        byte[] window = new byte[6];
        window[1] = 4; // SETTINGS_INITIAL_WINDOW_SIZE
        window[2] = (byte) (WINDOW >>> 24);
        window[3] = (byte) (WINDOW >>> 16);
        out.write(PREFACE);
        frame(SETTINGS, 0, 0, window);
        windowUpdate(0, WINDOW);
    }

    /** Opens a stream with a request head; returns its id. */
    int request(String method, String path, boolean endStream, String... fields) throws IOException {
        Http2Headers headers = new DefaultHttp2Headers(false).method(method)
                .scheme(socket instanceof javax.net.ssl.SSLSocket ? "https" : "http").path(path).authority("test");
        for (int i = 0; i < fields.length; i += 2) {
            headers.add(fields[i], fields[i + 1]);
        }
        return request(headers, endStream);
    }

    int request(Http2Headers headers, boolean endStream) throws IOException {
        int id = nextStream;
        nextStream += 2;
        headers(id, headers, endStream);
        return id;
    }

    void headers(int id, Http2Headers headers, boolean endStream) throws IOException {
        ByteBuf block = Unpooled.buffer();
        try {
            encoder.encodeHeaders(id, headers, block);
        } catch (Http2Exception e) {
            throw new IOException(e);
        }
        byte[] bytes = new byte[block.readableBytes()];
        block.readBytes(bytes);
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), id, bytes);
    }

    void data(int id, byte[] bytes, boolean endStream) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, id, bytes);
    }

    void rst(int id, int code) throws IOException {
        frame(RST_STREAM, 0, id, new byte[] {(byte) (code >>> 24), (byte) (code >>> 16), (byte) (code >>> 8), (byte) code});
    }

    void windowUpdate(int id, int increment) throws IOException {
        frame(WINDOW_UPDATE, 0, id, new byte[] {(byte) (increment >>> 24), (byte) (increment >>> 16), (byte) (increment >>> 8), (byte) increment});
    }

    void frame(int type, int flags, int id, byte[] payload) throws IOException {
        byte[] head = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length, (byte) type,
                (byte) flags, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id};
        out.write(head);
        out.write(payload);
        out.flush();
    }

    Stream stream(int id) {
        return streams.computeIfAbsent(id, k -> new Stream());
    }

    /** Reads frames until the stream has ended or was reset (or the connection ended); returns it. */
    Stream await(int id) throws IOException {
        readUntil(() -> stream(id).done());
        return stream(id);
    }

    /** Reads frames until the condition holds, or the connection ends. */
    void readUntil(BooleanSupplier done) throws IOException {
        while (!done.getAsBoolean() && !eof) {
            read();
        }
    }

    /** Reads one frame and acts on it; false once the connection has ended. */
    boolean read() throws IOException {
        int length, type, flags, id;
        byte[] payload;
        try {
            length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
            type = in.readUnsignedByte();
            flags = in.readUnsignedByte();
            id = in.readInt() & 0x7FFFFFFF;
            payload = in.readNBytes(length);
            if (payload.length < length) {
                throw new EOFException();
            }
        } catch (EOFException | java.net.SocketException e) {
            eof = true;
            return false;
        } catch (SocketTimeoutException e) {
            throw e;
        }
        switch (type) {
            case DATA -> {
                Stream stream = stream(id);
                stream.body.write(payload);
                stream.dataFrames++;
                stream.ended |= (flags & END_STREAM) != 0;
                if (length > 0) { // hand the window back at once
                    reply(WINDOW_UPDATE, 0, id, length);
                    reply(WINDOW_UPDATE, 0, 0, length);
                }
            }
            case HEADERS -> {
                ByteBuf block = Unpooled.wrappedBuffer(payload);
                try {
                    stream(id).heads.add(decoder.decodeHeaders(id, block));
                } catch (Http2Exception e) {
                    throw new IOException(e);
                }
                stream(id).ended |= (flags & END_STREAM) != 0;
            }
            case RST_STREAM -> stream(id).reset = Integer.toUnsignedLong(readInt(payload, 0));
            case SETTINGS -> {
                if ((flags & 1) == 0) {
                    for (int i = 0; i + 6 <= payload.length; i += 6) {
                        settings.put((payload[i] & 0xFF) << 8 | payload[i + 1] & 0xFF, Integer.toUnsignedLong(readInt(payload, i + 2)));
                    }
                    reply(SETTINGS, 1, 0, -1);
                }
            }
            case PING -> {
                if ((flags & 1) == 0) {
                    reply(PING, 1, 0, -1, payload);
                }
            }
            case GOAWAY -> {
                goAwayLastStream = readInt(payload, 0) & 0x7FFFFFFF;
                goAwayCode = goAwayCode > 0 ? goAwayCode : Integer.toUnsignedLong(readInt(payload, 4)); // the first error stays
                goAways++;
            }
            case WINDOW_UPDATE -> stream(id).windowGranted += readInt(payload, 0) & 0x7FFFFFFF;
            default -> {
            }
        }
        return true;
    }

    /** Answers the server; a connection the server has closed meanwhile is not an error here. */
    private void reply(int type, int flags, int id, int increment, byte[]... payload) {
        try {
            if (type == WINDOW_UPDATE) {
                windowUpdate(id, increment);
            } else {
                frame(type, flags, id, payload.length > 0 ? payload[0] : new byte[0]);
            }
        } catch (IOException closed) {
            // the reads that follow see the end
        }
    }

    private static int readInt(byte[] bytes, int at) {
        return (bytes[at] & 0xFF) << 24 | (bytes[at + 1] & 0xFF) << 16 | (bytes[at + 2] & 0xFF) << 8 | bytes[at + 3] & 0xFF;
    }

    void timeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
