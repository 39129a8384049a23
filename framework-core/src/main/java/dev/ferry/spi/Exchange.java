package dev.ferry.spi;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.BiConsumer;

/**
 * One request as a server parsed it, and the means to answer it: what an adapter implements for the
 * {@link Engine}. The facts are handed over as the server has them; the response primitives do
 * exactly what they are told and decide nothing: the engine has already chosen the status, every
 * field, the framing, whether the connection stays open, and when to send {@code 100 Continue}.
 *
 * <p>The engine calls the primitives in one of these orders, from one thread at a time:
 * {@link #send} (a whole response of known bytes), {@link #sendFile}, or {@link #writeHead} followed
 * by {@link #write} and {@link #flush} any number of times, then {@link #end}; {@link #abort} may
 * replace any step after the head, and {@link #sendContinue} may come once before the head.
 */
public interface Exchange {

    /** Returns the method token as sent. */
    String method();

    /** Returns the request target as sent, octets above 0x7F as ISO-8859-1 characters. */
    String target();

    /** Returns the protocol version, such as {@code HTTP/1.1}, or {@code HTTP/2.0} on an HTTP/2 stream. */
    String version();

    /**
     * Returns whether this request came on an HTTP/2 stream. Its pseudo-header {@code :authority} is
     * then passed by {@link #headers} as a {@code Host} field (when the request has none), the other
     * pseudo-headers not at all; the response head has no {@code Connection} field and its
     * {@link ResponseHead.Framing#CHUNKED} body goes as DATA frames; {@link #end} ends the stream and
     * {@link #abort} resets it, leaving the connection and its other streams alone.
     */
    default boolean http2() {
        return false;
    }

    /**
     * Returns whether a body follows although no field announces one: an HTTP/2 request whose HEADERS
     * frame did not end its stream and that has no Content-Length. Never true on HTTP/1.
     */
    default boolean bodyFollows() {
        return false;
    }

    /** Passes each request header field, in the order received, to the action. */
    void headers(BiConsumer<String, String> action);

    /**
     * Passes each field of the request's trailer section, pseudo-header fields included, once its body has ended; the
     * engine refuses a body whose trailers are malformed (RFC 9113, section 8.1). A server whose own parser refuses
     * such trailers has nothing to pass.
     */
    default void trailers(BiConsumer<String, String> action) {
    }

    /** Returns the address of the peer. */
    InetSocketAddress remoteAddress();

    /** Returns {@code http} or {@code https}. */
    default String scheme() {
        return "http";
    }

    /**
     * Returns the scheme the request names itself: on an HTTP/2 stream its {@code :scheme} pseudo-header, or
     * null when it has none; elsewhere {@link #scheme()}. The engine refuses an HTTP/2 request whose
     * {@code :scheme} is not the connection's.
     */
    default String requestScheme() {
        return scheme();
    }

    /**
     * Returns the part of the target under which the app is deployed, such as a servlet context path,
     * raw as in the target; empty at the root.
     */
    default String contextPath() {
        return "";
    }

    /**
     * Opens the request body as the server decoded it (without chunk framing). Reads block until data
     * arrives and hold no more than a bounded amount in memory; a read on a body whose framing turns
     * out to be malformed, or that the client ends before its last chunk, throws
     * {@link dev.ferry.HttpException} with status 400 (one with a Content-Length may instead end early:
     * the engine answers 400 for that), and one that waits
     * longer than {@link dev.ferry.server.ServerConfig#bodyReadTimeout()} for a byte throws
     * {@link java.net.SocketTimeoutException}, or an exception caused by one, (or {@code HttpException}
     * 408) and leaves the connection
     * to be closed. Called at most once, and only when the head announces a body.
     */
    InputStream body() throws IOException;

    /** Writes the interim {@code 100 Continue} response. */
    void sendContinue() throws IOException;

    /**
     * Sends a whole response whose body is these bytes (none when the framing is
     * {@link ResponseHead.Framing#NONE}). Must not block an IO thread: the engine calls it there in
     * the IO-thread execution mode.
     */
    default void send(ResponseHead head, ByteBuffer body) throws IOException {
        writeHead(head);
        if (body.hasRemaining()) {
            write(body);
        }
        end();
    }

    /**
     * Sends a whole response whose body is {@code count} bytes of the file from {@code position}, without
     * copying them through the heap where the server can. Must not block an IO thread.
     */
    default void sendFile(ResponseHead head, Path file, long position, long count) throws IOException {
        writeHead(head);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(count, 64 * 1024));
            long left = count;
            channel.position(position);
            while (left > 0) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), left));
                int n = channel.read(buffer);
                if (n < 0) {
                    throw new IOException("the file ended " + left + " bytes early");
                }
                left -= n;
                write(buffer.flip());
            }
        }
        end();
    }

    /** Writes the head of a response whose body follows; it may stay buffered until the next flush. */
    void writeHead(ResponseHead head) throws IOException;

    /**
     * Writes body bytes, framed as the head says; blocks while the client is behind. The caller may
     * reuse the bytes once it returns, so a server that sends later copies them first.
     */
    void write(ByteBuffer bytes) throws IOException;

    /** Sends what has been written so far. */
    void flush() throws IOException;

    /** Ends the response: flushes, writes the last chunk when chunked, and readies the connection for the next request or closes it as the head says. */
    void end() throws IOException;

    /** Cuts the connection, so that the client can never take what was sent for a complete response. */
    void abort();

    /** Returns whether this server can carry a WebSocket upgrade; when not, the engine answers an accepted upgrade with 501. */
    default boolean webSockets() {
        return false;
    }

    /**
     * Carries out an upgrade to WebSocket that the app accepted: writes the {@code 101} head, hands the
     * connection to the server's WebSocket support and then calls {@link WebSocketUpgrade#open}. Called
     * instead of the response primitives, only when {@link #webSockets()} is true.
     */
    default void upgrade(WebSocketUpgrade upgrade) throws IOException {
        throw new UnsupportedOperationException("this server cannot carry WebSocket");
    }

    /** Returns whether the calling thread is one of the server's IO threads, on which nothing may block. */
    default boolean onIoThread() {
        return false;
    }

    /** Runs the task on a thread where blocking is allowed; called only from an IO thread. */
    default void offload(Runnable task) {
        WorkerBatch.start(task);
    }
}
