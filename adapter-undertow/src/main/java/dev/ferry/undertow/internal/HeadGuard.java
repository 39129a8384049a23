package dev.ferry.undertow.internal;

import dev.ferry.Response;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.HeadCheck;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.util.HttpString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.Conduits;
import org.xnio.conduits.StreamSourceConduit;

/**
 * Sits under Undertow's parser and runs the core's {@link HeadCheck} over every byte before Undertow
 * sees it. It holds a partial head back until it is complete, drops the empty lines before a request
 * line (which Undertow refuses), and closes a connection whose head takes longer than the header
 * timeout. A head that fails is replaced by a {@link #REJECT} request, which the handler answers with
 * the check's refusal and closes.
 */
final class HeadGuard extends AbstractStreamSourceConduit<StreamSourceConduit> {

    /** The method of the request that stands in for a rejected head. */
    static final HttpString REJECT = new HttpString("FERRY-REJECTED-HEAD");
    private static final byte[] REJECT_HEAD = (REJECT + " / HTTP/1.1\r\nHost: ferry\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    private final StreamConnection connection;
    private final HeadCheck check;
    private final int maxHead;
    private final long headerTimeoutMillis;

    private ByteBuffer held;
    private ByteBuffer ready;
    private XnioExecutor.Key timer;
    /** Set by {@link #check}: the index up to which the checked bytes may be handed on. */
    private int safe;

    HeadGuard(StreamSourceConduit next, StreamConnection connection, ServerConfig config) {
        super(next);
        this.connection = connection;
        this.check = HeadCheck.following(config);
        this.maxHead = HeadCheck.maxHead(config);
        this.headerTimeoutMillis = Math.max(1, config.requestHeaderTimeout().toMillis());
    }

    /** Returns the response for the rejected head this exchange stands in for, or null for a real request. */
    static Response refusal(HttpServerExchange exchange) {
        HeadCheck check = exchange.getRequestMethod().equals(REJECT) ? check(exchange) : null;
        return check == null ? null : check.refusal();
    }

    /** Returns whether the connection's request body broke its chunked framing, which makes the request a 400. */
    static boolean malformedBody(HttpServerExchange exchange) {
        HeadCheck check = check(exchange);
        return check != null && check.malformedBody();
    }

    private static HeadCheck check(HttpServerExchange exchange) {
        return exchange.getConnection() instanceof HttpServerConnection c
                && c.getOriginalSourceConduit() instanceof HeadGuard guard ? guard.check : null;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (ready != null) {
            return drain(dst);
        }
        if (check.failed()) {
            // a broken body reads as "nothing yet", so Undertow keeps the connection for the 400
            return check.malformedBody() ? 0 : -1;
        }
        if (held == null || held.position() == 0) {
            int from = dst.position();
            int n = next.read(dst);
            if (n <= 0) {
                return n;
            }
            int end = check(dst, from, from + n, from);
            dst.position(safe);
            if (check.failed()) {
                if (!check.malformedBody()) {
                    ready = ByteBuffer.wrap(REJECT_HEAD);
                    return safe > from ? safe - from : drain(dst);
                }
                // a broken body: what came before it, then "nothing yet" as above
                return safe - from;
            }
            if (safe < end) {
                hold(dst, safe, end);
            }
            return safe - from;
        }
        if (!held.hasRemaining()) {
            throw new IOException("request head overflow");
        }
        int from = held.position();
        int n = next.read(held);
        if (n <= 0) {
            return n;
        }
        int end = check(held, from, from + n, 0);
        held.position(end);
        if (safe == 0 && !check.failed()) {
            return 0;
        }
        byte[] valid = new byte[safe];
        held.get(0, valid);
        byte[] rest = new byte[check.failed() ? 0 : end - safe];
        held.get(safe, rest);
        held.clear().put(rest);
        if (check.failed() && !check.malformedBody()) {
            byte[] both = new byte[valid.length + REJECT_HEAD.length];
            System.arraycopy(valid, 0, both, 0, valid.length);
            System.arraycopy(REJECT_HEAD, 0, both, valid.length, REJECT_HEAD.length);
            valid = both;
        }
        updateTimer();
        if (valid.length == 0) {
            return check.malformedBody() ? 0 : -1;
        }
        ready = ByteBuffer.wrap(valid);
        return drain(dst);
    }

    /**
     * Checks bytes [from, end) of buf, cutting out the empty lines before request lines; returns where
     * the bytes end after that and sets {@link #safe}. A head begun in an earlier read starts at heldFrom.
     */
    private int check(ByteBuffer buf, int from, int end, int heldFrom) {
        int at = from;
        while (true) {
            int stop = check.scan(buf, at, end);
            int blank = check.blank();
            if (blank == 0) {
                safe = !check.inHead() ? stop : check.headStart() < 0 ? heldFrom : check.headStart();
                return end;
            }
            byte[] rest = new byte[end - stop];
            buf.get(stop, rest);
            buf.put(stop - blank, rest);
            end -= blank;
            at = stop - blank;
        }
    }

    private int drain(ByteBuffer dst) {
        int n = Math.min(ready.remaining(), dst.remaining());
        dst.put(dst.position(), ready, ready.position(), n);
        dst.position(dst.position() + n);
        ready.position(ready.position() + n);
        if (!ready.hasRemaining()) {
            ready = null;
        }
        return n;
    }

    private void hold(ByteBuffer source, int from, int to) {
        if (held == null) {
            held = ByteBuffer.allocate(maxHead);
        }
        held.put(held.position(), source, from, to - from);
        held.position(held.position() + to - from);
        updateTimer();
    }

    private void updateTimer() {
        boolean partial = held != null && held.position() > 0;
        if (partial && timer == null) {
            timer = connection.getIoThread().executeAfter(this::timedOut, headerTimeoutMillis, TimeUnit.MILLISECONDS);
        } else if (!partial && timer != null) {
            timer.remove();
            timer = null;
        }
    }

    private void timedOut() {
        FerryHandler.closeQuietly(connection);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        for (int k = offset; k < offset + length; k++) {
            if (dsts[k].hasRemaining()) {
                return read(dsts[k]);
            }
        }
        return 0;
    }

    @Override
    public long transferTo(long position, long count, FileChannel target) throws IOException {
        return target.transferFrom(new ConduitReadableByteChannel(this), position, count);
    }

    @Override
    public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) throws IOException {
        return Conduits.transfer(this, count, throughBuffer, target);
    }

    @Override
    public void resumeReads() {
        super.resumeReads();
        if (ready != null) {
            wakeupReads();
        }
    }

    @Override
    public void awaitReadable() throws IOException {
        if (ready == null) {
            super.awaitReadable();
        }
    }

    @Override
    public void awaitReadable(long time, TimeUnit timeUnit) throws IOException {
        if (ready == null) {
            super.awaitReadable(time, timeUnit);
        }
    }
}
