package dev.ferry.undertow.internal;

import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.protocols.http2.Http2Channel;
import io.undertow.server.protocol.http.HttpOpenListener;
import io.undertow.server.protocol.http2.Http2ReceiveListener;
import io.undertow.util.AttachmentKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.StreamConnection;
import org.xnio.conduits.ConduitStreamSourceChannel;

/**
 * Reads each new connection's first bytes through its {@link HeadGuard}: one that opens with the HTTP/2 preface
 * (h2c with prior knowledge, or h2 over TLS) goes to Undertow's own HTTP/2 support, any other to the HTTP/1.1
 * listener with the bytes read. Keeps the HTTP/2 connections, to send each GOAWAY when the server stops.
 */
final class Http2Connections {

    /** The connection's guard, on an HTTP/2 connection's channel: its exchanges find it there. */
    static final AttachmentKey<HeadGuard> GUARD = AttachmentKey.create(HeadGuard.class);
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Set<Http2Channel> open = ConcurrentHashMap.newKeySet();
    private final HttpOpenListener http1;
    private final Duration idleTimeout;

    /** HTTP/2 with the HTTP/1.1 listener's buffers, options (the HTTP/2 settings among them) and root handler. */
    Http2Connections(HttpOpenListener http1, Duration idleTimeout) {
        this.http1 = http1;
        this.idleTimeout = idleTimeout;
    }

    /** Reads until the bytes are the preface or cannot begin it, then hands the connection on with them. */
    void accept(StreamConnection connection, HeadGuard guard) {
        PooledByteBuffer first = http1.getBufferPool().allocate();
        connection.getSourceChannel().setReadListener(source -> sniff(source, connection, guard, first));
        sniff(connection.getSourceChannel(), connection, guard, first);
    }

    private void sniff(ConduitStreamSourceChannel source, StreamConnection connection, HeadGuard guard, PooledByteBuffer first) {
        ByteBuffer bytes = first.getBuffer();
        try {
            int n = 0;
            while (!guard.check.http2() && prefaceSoFar(bytes) && (n = source.read(bytes)) > 0) {
                // the preface is 24 bytes: a client may send them in parts
            }
            if (!guard.check.http2() && prefaceSoFar(bytes)) {
                if (n < 0) {
                    first.close();
                    IoUtils.safeClose(connection); // the end, or a refused head whose refusal went out
                } else {
                    source.resumeReads();
                }
                return;
            }
            source.getReadSetter().set(null);
            source.suspendReads();
            bytes.flip();
            if (guard.check.http2()) {
                http2(connection, guard, first);
            } else {
                http1.handleEvent(connection, first);
            }
        } catch (IOException | RuntimeException e) {
            first.close();
            IoUtils.safeClose(connection);
        }
    }

    /** Returns whether the bytes read so far are the start of the preface, short of its end. */
    private static boolean prefaceSoFar(ByteBuffer bytes) {
        return bytes.position() < PREFACE.length && bytes.slice(0, bytes.position()).equals(ByteBuffer.wrap(PREFACE, 0, bytes.position()));
    }

    /** Undertow's HTTP/2 connection over the bytes read, the preface first, as its own HTTP/2 listener sets one up. */
    private void http2(StreamConnection connection, HeadGuard guard, PooledByteBuffer first) {
        ByteBufferPool pool = http1.getBufferPool();
        OptionMap options = http1.getUndertowOptions();
        Http2Channel channel = new Http2Channel(connection, null, pool, first, false, false, options);
        channel.putAttachment(GUARD, guard);
        open.add(channel);
        channel.addCloseTask(open::remove);
        channel.getReceiveSetter().set(new Http2ReceiveListener(http1.getRootHandler(), options, pool.getBufferSize(), null));
        channel.resumeReceives();
        // Undertow's idle timer (NO_REQUEST_TIMEOUT) starts once a stream has ended: this one covers the time before
        connection.getIoThread().executeAfter(() -> {
            if (!guard.streams) {
                channel.sendGoAway(Http2Channel.ERROR_NO_ERROR);
            }
        }, idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sends GOAWAY (no error, the last stream Undertow took) on every HTTP/2 connection; Undertow then closes it. */
    void goAway() {
        for (Http2Channel channel : open) {
            channel.getIoThread().execute(() -> channel.sendGoAway(Http2Channel.ERROR_NO_ERROR));
        }
    }
}
