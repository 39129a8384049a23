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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.xnio.Buffers;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.StreamConnection;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.Conduits;
import org.xnio.conduits.StreamSinkConduit;

/**
 * Reads each new connection's first bytes through its {@link HeadGuard}: one that opens with the HTTP/2 preface
 * (h2c with prior knowledge, or h2 over TLS) goes to Undertow's own HTTP/2 support, any other to the HTTP/1.1
 * listener with the bytes read. Keeps the HTTP/2 connections, to send each GOAWAY when the server stops: a first one
 * as the stop begins, with the last stream id 2^31-1 (RFC 9113, section 6.8) written between two of Undertow's frames, as
 * Undertow's own closes the connection once sent; Undertow's own, with the last stream it took, once the streams in
 * flight are done.
 */
final class Http2Connections {

    /** The connection's guard, on an HTTP/2 connection's channel: its exchanges find it there. */
    static final AttachmentKey<HeadGuard> GUARD = AttachmentKey.create(HeadGuard.class);
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Map<Http2Channel, GoAwaySink> open = new ConcurrentHashMap<>();
    private final HttpOpenListener http1;
    private final Duration idleTimeout;

    /** HTTP/2 with the HTTP/1.1 listener's buffers, options (the HTTP/2 settings among them) and root handler. */
    Http2Connections(HttpOpenListener http1, Duration idleTimeout) {
        this.http1 = http1;
        this.idleTimeout = idleTimeout;
    }

    /** Reads until the bytes are the preface or cannot begin it, then hands the connection on with them. */
    void accept(StreamConnection connection, HeadGuard guard) {
        ChannelListener<ConduitStreamSourceChannel> sniff = new ChannelListener<>() {
            private PooledByteBuffer first; // held only while a part of the preface is in

            @Override
            public void handleEvent(ConduitStreamSourceChannel source) {
                first = sniff(source, connection, guard, first != null ? first : http1.getBufferPool().allocate());
            }
        };
        connection.getSourceChannel().setReadListener(sniff);
        sniff.handleEvent(connection.getSourceChannel());
    }

    /** Returns the buffer while the bytes may still be the preface and more are to come, else null. */
    private PooledByteBuffer sniff(ConduitStreamSourceChannel source, StreamConnection connection, HeadGuard guard, PooledByteBuffer first) {
        ByteBuffer bytes = first.getBuffer();
        try {
            int n = 0;
            while (!guard.check.http2() && prefaceSoFar(bytes) && (n = source.read(bytes)) > 0) {
                // the preface is 24 bytes: a client may send them in parts
            }
            if (!guard.check.http2() && prefaceSoFar(bytes)) {
                if (n < 0) {
                    IoUtils.safeClose(connection); // the end, or a refused head whose refusal went out
                } else {
                    source.resumeReads();
                    if (bytes.position() > 0) {
                        return first;
                    }
                }
                first.close();
                return null;
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
        return null;
    }

    /** Returns whether the bytes read so far are the start of the preface, short of its end. */
    private static boolean prefaceSoFar(ByteBuffer bytes) {
        return bytes.position() < PREFACE.length && bytes.slice(0, bytes.position()).equals(ByteBuffer.wrap(PREFACE, 0, bytes.position()));
    }

    /** Undertow's HTTP/2 connection over the bytes read, the preface first, as its own HTTP/2 listener sets one up. */
    private void http2(StreamConnection connection, HeadGuard guard, PooledByteBuffer first) {
        ByteBufferPool pool = http1.getBufferPool();
        OptionMap options = http1.getUndertowOptions();
        GoAwaySink sink = new GoAwaySink(connection.getSinkChannel().getConduit());
        connection.getSinkChannel().setConduit(sink);
        Resets resets = new Resets(connection.getIoThread()::execute);
        resets.scan(first.getBuffer(), PREFACE.length, first.getBuffer().limit());
        Http2Channel channel = new Http2Channel(connection, null, pool, first, false, false, options);
        resets.channel = channel;
        guard.resets = resets;
        channel.putAttachment(GUARD, guard);
        open.put(channel, sink);
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

    /** Tells each HTTP/2 client that no new stream will be taken: GOAWAY, then a PING that makes Undertow write. */
    void stopping() {
        open.forEach((channel, sink) -> channel.getIoThread().execute(() -> {
            sink.goAway = true;
            channel.sendPing(new byte[8]);
        }));
    }

    /** Sends Undertow's GOAWAY (no error, the last stream it took) on every HTTP/2 connection; Undertow then closes it. */
    void close() {
        open.keySet().forEach(channel -> channel.getIoThread().execute(() -> channel.sendGoAway(Http2Channel.ERROR_NO_ERROR)));
    }

    /**
     * Counts the client's RST_STREAM frames as they pass the guard, and past 200 in 30 s ends the connection with
     * GOAWAY (ENHANCE_YOUR_CALM): rapid reset, CVE-2023-44487. Undertow's own count, at the same limit, passes over a
     * reset that comes while the stream's response is pending, as in a flood of HEADERS and RST_STREAM.
     */
    static final class Resets {
        private static final int MAX = 200;
        private static final long WINDOW = TimeUnit.SECONDS.toNanos(30);
        private final Executor ioThread;
        private final byte[] head = new byte[9];
        private int headAt;
        private int payloadLeft;
        private int count;
        private long since = System.nanoTime();
        Http2Channel channel;

        Resets(Executor ioThread) {
            this.ioThread = ioThread;
        }

        /** Reads the frame headers among the bytes, skipping payloads. */
        void scan(ByteBuffer bytes, int from, int to) {
            for (int i = from; i < to; ) {
                if (payloadLeft > 0) {
                    int skip = Math.min(payloadLeft, to - i);
                    i += skip;
                    payloadLeft -= skip;
                    continue;
                }
                head[headAt++] = bytes.get(i++);
                if (headAt == head.length) {
                    headAt = 0;
                    payloadLeft = (head[0] & 0xFF) << 16 | (head[1] & 0xFF) << 8 | head[2] & 0xFF;
                    if (head[3] == 3 && flood()) {
                        ioThread.execute(() -> channel.sendGoAway(Http2Channel.ERROR_ENHANCE_YOUR_CALM));
                    }
                }
            }
        }

        private boolean flood() {
            long now = System.nanoTime();
            if (now - since > WINDOW) {
                since = now;
                count = 0;
            }
            return ++count == MAX + 1;
        }
    }

    /**
     * The sink under an HTTP/2 connection, where a GOAWAY can go between two frames. Undertow writes whole frames in
     * each call, under the connection's lock, so a call that leaves nothing of what it was given ends at a boundary.
     */
    static final class GoAwaySink extends AbstractStreamSinkConduit<StreamSinkConduit> {
        private final ByteBuffer frame = ByteBuffer.wrap(new byte[] {0, 0, 8, 7, 0, 0, 0, 0, 0, 0x7F, -1, -1, -1, 0, 0, 0, 0});
        private boolean boundary = true;
        volatile boolean goAway;

        GoAwaySink(StreamSinkConduit next) {
            super(next);
        }

        /** Writes the GOAWAY when asked for and between frames; returns whether Undertow's bytes may follow. */
        private boolean passes() throws IOException {
            if (!goAway || !boundary || !frame.hasRemaining()) {
                return true;
            }
            next.write(frame);
            return !frame.hasRemaining();
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return (int) write(new ByteBuffer[] {src}, 0, 1);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            if (!passes()) {
                return 0;
            }
            long n = next.write(srcs, offset, length);
            boundary = !Buffers.hasRemaining(srcs, offset, length);
            passes();
            return n;
        }

        @Override
        public int writeFinal(ByteBuffer src) throws IOException {
            return Conduits.writeFinalBasic(this, src);
        }

        @Override
        public long writeFinal(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return Conduits.writeFinalBasic(this, srcs, offset, length);
        }

        @Override
        public boolean flush() throws IOException {
            return passes() && next.flush();
        }
    }
}
