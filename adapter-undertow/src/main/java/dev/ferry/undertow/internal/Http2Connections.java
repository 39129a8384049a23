package dev.ferry.undertow.internal;

import dev.ferry.spi.ContinuationLimit;
import dev.ferry.spi.EmptyDataLimit;
import dev.ferry.spi.ResetLimit;
import io.undertow.UndertowOptions;
import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.protocols.http2.AbstractHttp2StreamSourceChannel;
import io.undertow.protocols.http2.Http2Channel;
import io.undertow.protocols.http2.Http2StreamSourceChannel;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpOpenListener;
import io.undertow.server.protocol.http2.Http2ReceiveListener;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.xnio.Buffers;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.channels.Channels;
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

    /** The HTTP/2 connection, attached to itself: its exchanges find it there. */
    static final AttachmentKey<Connection> CONNECTION = AttachmentKey.create(Connection.class);
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
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
        OptionMap options = http1.getUndertowOptions();
        GoAwaySink sink = new GoAwaySink(connection, idleTimeout);
        connection.getSinkChannel().setConduit(sink);
        Connection channel = new Connection(connection, http1.getBufferPool(), first, options, guard, sink);
        channel.scan(first.getBuffer(), PREFACE.length, first.getBuffer().limit());
        guard.http2 = channel;
        channel.putAttachment(CONNECTION, channel);
        open.add(channel);
        channel.addCloseTask(closed -> {
            open.remove(closed);
            channel.closed();
        });
        channel.listener = new Http2ReceiveListener(http1.getRootHandler(), options, http1.getBufferPool().getBufferSize(), null);
        channel.getReceiveSetter().set(channel.listener);
        channel.resumeReceives();
        // Undertow's idle timer (NO_REQUEST_TIMEOUT) starts once a stream has ended: this one covers the time before
        channel.beforeFirstStream = connection.getIoThread().executeAfter(() -> {
            if (!channel.opened) {
                channel.sendGoAway(Http2Channel.ERROR_NO_ERROR);
            }
        }, idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Tells each HTTP/2 client that no new stream will be taken: GOAWAY, then a PING that makes Undertow write. */
    void stopping() {
        open.forEach(channel -> channel.getIoThread().execute(channel::goingAway));
    }

    /** Sends Undertow's GOAWAY (no error, the last stream it took) on every HTTP/2 connection; Undertow then closes it. */
    void close() {
        open.forEach(channel -> channel.getIoThread().execute(() -> channel.sendGoAway(Http2Channel.ERROR_NO_ERROR)));
    }

    /**
     * Undertow's HTTP/2 connection with what Undertow leaves out. It advertises SETTINGS_MAX_CONCURRENT_STREAMS but
     * takes any number of streams: a new one past the limit is refused here (RST_STREAM, REFUSED_STREAM). It replaces
     * the Host field by {@code :authority}, dropping it when there is none: a Host field alone becomes the
     * {@code :authority}. It counts the client's RST_STREAM frames only while no response is pending on the stream,
     * so not in a flood of HEADERS and RST_STREAM (rapid reset, CVE-2023-44487): the guard passes each read here, the
     * frame headers are read (payloads skipped), and the core's {@link ResetLimit} ends the connection with GOAWAY
     * (ENHANCE_YOUR_CALM); so do its {@link ContinuationLimit} and {@link EmptyDataLimit}, which Undertow's reader
     * has none of.
     */
    static final class Connection extends Http2Channel {
        final HeadGuard guard;
        final GoAwaySink sink;
        private final int maxStreams;
        private final int headerTimeoutMillis;
        private final AtomicInteger streams = new AtomicInteger();
        boolean opened; // a stream has reached the app (set on the IO thread)
        XnioExecutor.Key beforeFirstStream; // the idle timer until then, removed then: it holds the connection
        private final byte[] head = new byte[9];
        private int headAt;
        private int payloadLeft;
        private final ResetLimit resets = new ResetLimit();
        private final ContinuationLimit continuations = new ContinuationLimit();
        private final EmptyDataLimit emptyData = new EmptyDataLimit();
        // Undertow starts a stream at its HEADERS frame, before the CONTINUATION frames of its header block are read,
        // and its listener checks the fields then: such a stream is kept from the listener until the block is read
        private Block unended; // the block whose last frame is not yet read: one at a time (RFC 9113, 6.10)
        private int endedByHeaders; // held streams whose HEADERS frame ended them (see countEndedByHeaders())
        private boolean blockEnds; // the frame being scanned is that block's last
        private Http2StreamSourceChannel held; // the stream of that block, once Undertow has started it
        private Http2StreamSourceChannel ready; // a held stream whose block is read, for the listener's next receive()
        private List<String> hosts; // the :authority and Host values of the stream receive() returned last
        ChannelListener<? super Http2Channel> listener; // Undertow's, which takes the streams receive() returns

        Connection(StreamConnection connection, ByteBufferPool pool, PooledByteBuffer first, OptionMap options, HeadGuard guard,
                   GoAwaySink sink) {
            super(connection, null, pool, first, false, false, options);
            this.guard = guard;
            this.sink = sink;
            this.maxStreams = options.get(UndertowOptions.HTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, Integer.MAX_VALUE);
            this.headerTimeoutMillis = options.get(UndertowOptions.REQUEST_PARSE_TIMEOUT, Integer.MAX_VALUE);
        }

        @Override
        public AbstractHttp2StreamSourceChannel receive() throws IOException {
            AbstractHttp2StreamSourceChannel frame = ready != null ? ready : super.receive();
            ready = null;
            if (frame instanceof Http2StreamSourceChannel stream) {
                if (unended != null && unended.stream() == stream.getStreamId()) {
                    held = stream;
                    return null;
                }
                HeaderMap fields = stream.getHeaders();
                hosts = hosts(fields);
                if (!fields.contains(AUTHORITY) && fields.contains(Headers.HOST)) {
                    fields.put(AUTHORITY, fields.getFirst(Headers.HOST));
                }
                if (streams.get() >= maxStreams) {
                    sendRstStream(stream.getStreamId(), ERROR_REFUSED_STREAM);
                    try {
                        Channels.drain(stream, Long.MAX_VALUE);
                    } catch (IOException e) {
                        // reset: nothing more comes
                    }
                    return null;
                }
            }
            return frame;
        }

        /**
         * Returns each {@code :authority} value, then each Host value but one equal to the first of them: Undertow puts
         * the first {@code :authority} in place of all of them before any handler runs, and the engine refuses a
         * request with more than one.
         */
        static List<String> hosts(HeaderMap fields) {
            List<String> hosts = new ArrayList<>();
            HeaderValues authorities = fields.get(AUTHORITY);
            if (authorities != null) {
                authorities.forEach(hosts::add);
            }
            String authority = hosts.isEmpty() ? null : hosts.getFirst();
            HeaderValues host = fields.get(Headers.HOST);
            if (host != null) {
                boolean restated = false; // a Host equal to :authority, left out once
                for (String value : host) {
                    if (value != null && (restated || !value.equals(authority))) {
                        hosts.add(value);
                    } else if (value != null) {
                        restated = true;
                    }
                }
            }
            return hosts;
        }

        /** Returns the {@code :authority} and Host values of the stream receive() returned last; on the IO thread. */
        List<String> hostsOfLast() {
            List<String> last = hosts;
            hosts = null;
            return last;
        }

        /** Tells the client that no new stream will be taken: GOAWAY, then a PING that makes Undertow write; on the IO thread. */
        void goingAway() {
            sink.goAway = true;
            sendPing(new byte[8]);
        }

        /** Removes the timers that would hold this connection in the heap until they fire, once it has closed. */
        void closed() {
            if (beforeFirstStream != null) {
                beforeFirstStream.remove();
            }
            if (unended != null) {
                unended.timeout().remove();
            }
        }

        /** Counts an exchange on a stream of this connection until it completes. */
        void opened(HttpServerExchange exchange) {
            if (!opened) {
                opened = true;
                beforeFirstStream.remove();
            }
            streams.incrementAndGet();
            exchange.addExchangeCompleteListener((done, next) -> {
                streams.decrementAndGet();
                next.proceed();
            });
        }

        /** Reads the frame headers among the bytes, skipping payloads; counts resets, small header fragments and empty DATA frames. */
        void scan(ByteBuffer bytes, int from, int to) {
            for (int i = from; i < to; ) {
                if (payloadLeft > 0) {
                    int skip = Math.min(payloadLeft, to - i);
                    i += skip;
                    payloadLeft -= skip;
                    if (payloadLeft == 0) {
                        frameScanned();
                    }
                    continue;
                }
                head[headAt++] = bytes.get(i++);
                if (headAt == head.length) {
                    headAt = 0;
                    payloadLeft = (head[0] & 0xFF) << 16 | (head[1] & 0xFF) << 8 | head[2] & 0xFF;
                    if (head[3] == 3 && resets.reset() || continuations.frame(head[3], head[4], payloadLeft)
                            || emptyData.frame(head[3], head[4], payloadLeft)) {
                        getIoThread().execute(() -> sendGoAway(ERROR_ENHANCE_YOUR_CALM));
                    }
                    if (head[3] == 1 || head[3] == 9) {
                        headerBlock(head[3], (head[4] & 4) != 0, (head[4] & 1) != 0,
                                (head[5] & 0x7F) << 24 | (head[6] & 0xFF) << 16 | (head[7] & 0xFF) << 8 | head[8] & 0xFF);
                    }
                    if (payloadLeft == 0) {
                        frameScanned();
                    }
                }
            }
        }

        private void headerBlock(int type, boolean ends, boolean endsStream, int stream) {
            if (type == 1 && !ends) {
                // its stream is open for Undertow, which keeps the connection then: the block must end within the
                // header timeout, as a head does on HTTP/1.1
                unended = new Block(stream, endsStream, getIoThread().executeAfter(() -> {
                    if (isOpen()) {
                        sendGoAway(ERROR_NO_ERROR);
                    }
                }, headerTimeoutMillis, TimeUnit.MILLISECONDS));
            } else if (type == 9 && ends && unended != null) {
                blockEnds = true;
            }
        }

        /**
         * A whole frame has been scanned, so Undertow reads it in this read: when it ends the open block, the block's
         * stream goes to the listener after that, if Undertow has started it already.
         */
        private void frameScanned() {
            if (!blockEnds) {
                return;
            }
            blockEnds = false;
            Block block = unended;
            unended = null;
            block.timeout().remove(); // else it holds the connection until it fires
            getIoThread().execute(() -> {
                if (held != null && held.getStreamId() == block.stream()) {
                    ready = held;
                    held = null;
                    if (block.endsStream()) {
                        endRequest(ready);
                    }
                    ChannelListeners.invokeChannelListener(this, listener);
                    if (block.endsStream()) {
                        countEndedByHeaders();
                    }
                }
            });
        }

        /** A header block that a HEADERS frame began and has not ended, and the timer that ends the connection if it never does. */
        private record Block(int stream, boolean endsStream, XnioExecutor.Key timeout) {
        }

        /**
         * Ends the request of a stream whose HEADERS frame ended it. Undertow takes END_STREAM only from a HEADERS frame
         * that also ends the block, so the stream it started at that frame would wait for a body until the body read
         * timeout. Its source is closed without a reset, which Undertow's listener takes as a whole request.
         */
        private void endRequest(Http2StreamSourceChannel stream) {
            stream.setIgnoreForceClose(true);
            stream.close();
        }

        /**
         * Undertow keeps the record of a stream ended by its HEADERS frame until the connection ends: once there are as
         * many as the streams a connection may have open at once, the client gets a GOAWAY that lets it finish its
         * streams and go on on a new connection; at twice that, the connection ends.
         */
        private void countEndedByHeaders() {
            if (++endedByHeaders == maxStreams) {
                goingAway();
            } else if (endedByHeaders == 2 * maxStreams) {
                sendGoAway(ERROR_NO_ERROR); // a client that goes on regardless: Undertow's GOAWAY, then the close
            }
        }
    }

    /**
     * The sink under an HTTP/2 connection, where a GOAWAY can go between two frames. Undertow writes whole frames in
     * each call, under the connection's lock, so a call that leaves nothing of what it was given ends at a boundary.
     * It also ends a connection whose client has taken nothing for the idle timeout while bytes wait for it: Undertow
     * then stops reading, but keeps the connection of a client that sends (PINGs, say) and never reads.
     */
    static final class GoAwaySink extends AbstractStreamSinkConduit<StreamSinkConduit> {
        private final ByteBuffer frame = ByteBuffer.wrap(new byte[] {0, 0, 8, 7, 0, 0, 0, 0, 0, 0x7F, -1, -1, -1, 0, 0, 0, 0});
        private final StreamConnection connection;
        private final long idleNanos;
        private final AtomicBoolean watching = new AtomicBoolean();
        private volatile long progressed = System.nanoTime(); // when a byte last went out
        private volatile boolean stalled; // the last write or flush left bytes unwritten
        private boolean boundary = true;
        volatile boolean goAway;

        GoAwaySink(StreamConnection connection, Duration idleTimeout) {
            super(connection.getSinkChannel().getConduit());
            this.connection = connection;
            this.idleNanos = idleTimeout.toNanos();
        }

        /** Notes whether bytes went out and whether some are left; once some are left, a timer closes the connection if none go out for the idle timeout. */
        private void wrote(boolean moved, boolean left) {
            if (moved) {
                progressed = System.nanoTime();
            }
            stalled = left;
            if (left && watching.compareAndSet(false, true)) {
                watch(idleNanos);
            }
        }

        private void watch(long delay) {
            connection.getIoThread().executeAfter(() -> {
                long quiet = System.nanoTime() - progressed;
                if (stalled && quiet >= idleNanos) {
                    IoUtils.safeClose(connection);
                } else if (stalled) {
                    watch(idleNanos - quiet);
                } else {
                    watching.set(false);
                    if (stalled && watching.compareAndSet(false, true)) { // a stall that began meanwhile
                        watch(idleNanos);
                    }
                }
            }, delay, TimeUnit.NANOSECONDS);
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
            wrote(n > 0, !boundary);
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
            boolean flushed = passes() && next.flush();
            wrote(flushed, !flushed);
            return flushed;
        }
    }
}
