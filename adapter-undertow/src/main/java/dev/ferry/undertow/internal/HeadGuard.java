package dev.ferry.undertow.internal;

import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Engine;
import dev.ferry.spi.HeadCheck;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.StreamSourceConduit;

/**
 * The source conduit under Undertow's parser, so that the core's {@link HeadCheck} sees every byte first.
 * Bytes pass on up to a refused head, whose refusal goes to the socket once Undertow reads again (after it
 * answered the requests before), or up to the byte that broke a chunked body; empty lines before a request
 * line are cut out. A connection on which nothing arrives within the header timeout is closed. After the HTTP/2
 * preface, or a WebSocket upgrade, bytes pass unchecked; an HTTP/2 connection reads the frame headers going by.
 * After a response that ends the connection, the guard lingers: see {@link #drop}.
 */
final class HeadGuard extends AbstractStreamSourceConduit<StreamSourceConduit> implements Runnable {

    final StreamConnection connection;
    final HeadCheck check;
    private ByteBuffer refusal;
    private boolean arrived;
    // the timers hold the connection until they fire: each is removed once moot, as the connections closed in the
    // meantime would otherwise stay in the heap (a thousand handshakes a second kept ten thousand for the header timeout)
    private XnioExecutor.Key firstByteDue;
    private XnioExecutor.Key lingerEnds;
    private ByteBuffer dropped;
    volatile boolean closing; // a response that ends the connection was sent, its request read as Undertow reads it
    private volatile boolean lingering;
    volatile boolean engineReads; // from the engine's first read of a request body until it hands over the response
    volatile boolean upgraded; // the connection carries WebSocket frames from now on
    volatile FrameGuard frames; // the frame heads of a WebSocket connection that agreed permessage-deflate
    Http2Connections.Connection http2; // Undertow's HTTP/2 connection over this one, which reads its frame headers

    HeadGuard(StreamConnection connection, ServerConfig config) {
        super(connection.getSourceChannel().getConduit());
        this.connection = connection;
        this.check = HeadCheck.following(config);
        // once bytes arrive, Undertow's parse timeout (the same) counts from the first of a head
        firstByteDue = connection.getIoThread().executeAfter(this, config.requestHeaderTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (closing) {
            return drop();
        }
        int from = dst.position();
        if (frames != null) {
            return frames(dst, from);
        }
        if (upgraded || check.http2()) {
            int n = next.read(dst); // WebSocket or HTTP/2 frames, no longer HTTP/1
            if (n > 0 && http2 != null) {
                http2.scan(dst, from, from + n);
            }
            return n;
        }
        if (check.failed()) {
            return refuse(dst, from);
        }
        int n = next.read(dst);
        if (n <= 0) {
            return n < 0 && engineReads ? 0 : n; // the client's end inside a body: the exchange answers 400, Undertow would close
        }
        if (!arrived) {
            arrived = true;
            firstByteDue.remove();
        }
        int end = dst.position();
        int stop = check.scan(dst, from, end);
        while (check.blank() > 0) {
            // the CR of an empty line split across reads was held back from the last one
            int cut = Math.max(stop - check.blank(), from);
            dst.put(cut, dst, stop, end - stop);
            end -= stop - cut;
            stop = check.scan(dst, cut, end);
        }
        if (check.failed()) {
            end = stop;
        } else if (check.inHead() && check.headStart() == end - 1 && dst.get(end - 1) == '\r') {
            end--; // a CR that may begin an empty line waits for the next byte
        }
        dst.position(end);
        return end > from || !check.failed() ? end - from : refuse(dst, from);
    }

    /**
     * Reads nothing more of a broken body while the engine reads it; else writes a head's refusal (waiting for room), drops what
     * the client sent since (closing on unread input would reset the connection) and ends the stream: Undertow closes.
     */
    private int refuse(ByteBuffer dst, int from) throws IOException {
        if (check.malformedBody() && engineReads) {
            return 0;
        }
        if (refusal == null) {
            refusal = ByteBuffer.wrap(check.malformedBody() ? new byte[0] : check.refusalBytes());
        }
        // between requests Undertow has the socket itself under the connection's sink channel
        connection.getSinkChannel().write(refusal);
        if (refusal.hasRemaining()) {
            connection.getSinkChannel().setWriteListener(sink -> {
                sink.suspendWrites();
                connection.getSourceChannel().wakeupReads();
            });
            connection.getSinkChannel().resumeWrites();
            return 0;
        }
        do {
            dst.position(from);
        } while (next.read(dst) > 0);
        return -1;
    }

    /**
     * Once the exchange of a response that ends the connection is complete, Undertow reads only to close: it closes
     * at once when a byte arrives, or ends the input. The guard instead drops what arrives until the client ends its
     * side, or for {@link Engine#LINGER}: closing on unread bytes would make the kernel reset the connection and
     * destroy the end of that response. Undertow's close sends FIN first, then waits for the end reported here.
     */
    private int drop() throws IOException {
        if (!lingering) {
            lingering = true;
            lingerEnds = connection.getIoThread().executeAfter(() -> IoUtils.safeClose(connection), Engine.LINGER.toNanos(),
                    TimeUnit.NANOSECONDS);
            dropped = ByteBuffer.allocate(8192);
        }
        int n;
        try {
            do {
                dropped.clear();
                n = next.read(dropped);
            } while (n > 0);
        } catch (IOException reset) {
            n = -1;
        }
        if (n < 0) {
            lingerEnds.remove(); // the client has ended its side, or reset it: Undertow closes now
        }
        return n;
    }

    @Override
    public void terminateReads() throws IOException {
        if (closing) {
            drop(); // the input stays open to be read to its end
        } else {
            super.terminateReads();
        }
    }

    @Override
    public boolean isReadShutdown() {
        return !lingering && super.isReadShutdown();
    }

    /** Passes WebSocket frames up to a broken one, which is reported once Undertow has read all before it. */
    private int frames(ByteBuffer dst, int from) throws IOException {
        if (frames.broken()) {
            frames.report();
            return 0;
        }
        int n = next.read(dst);
        if (n <= 0) {
            return n;
        }
        int end = frames.scan(dst, from, from + n);
        dst.position(end);
        if (frames.broken()) {
            if (end == from) {
                frames.report();
            } else {
                next.wakeupReads(); // the socket may have nothing more: Undertow reads again to find the end
            }
        }
        return end - from;
    }

    /** Undertow resumes reads once the requests before a refused head are answered: time to refuse it. */
    @Override
    public void resumeReads() {
        super.resumeReads();
        if (refusal == null && check.failed() && !check.malformedBody()) {
            next.wakeupReads();
        }
    }

    @Override
    public void run() {
        if (!arrived) {
            IoUtils.safeClose(connection);
        }
    }

    // above this one in every request, Undertow's ReadDataStreamSourceConduit reads for transfers, not for these
    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return length == 0 ? 0 : read(dsts[offset]);
    }
}
