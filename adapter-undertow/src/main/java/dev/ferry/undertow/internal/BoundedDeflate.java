package dev.ferry.undertow.internal;

import io.undertow.connector.PooledByteBuffer;
import io.undertow.util.ImmediatePooledByteBuffer;
import io.undertow.websockets.core.StreamSourceFrameChannel;
import io.undertow.websockets.core.WebSocketMessages;
import io.undertow.websockets.extensions.PerMessageDeflateFunction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Undertow's permessage-deflate, whose reading side inflates a message to at most one byte past the message
 * limit: Undertow's own inflates each read whole (16 KiB of compressed bytes can be 16 MiB), before its limit
 * applies. The byte past the limit makes Undertow close with 1009; the rest of that message is not inflated.
 */
final class BoundedDeflate extends PerMessageDeflateFunction {

    private static final byte[] TAIL = {0, 0, (byte) 0xFF, (byte) 0xFF}; // RFC 7692, section 7.2.2
    private static final int FIRST = 8192;

    private final Inflater inflater = new Inflater(true);
    private final long max;
    private StreamSourceFrameChannel message; // the compressed message being read, until its last frame
    private long inflated; // its bytes so far, up to max + 1

    BoundedDeflate(int level, boolean serverContextTakeover, boolean clientContextTakeover, long max) {
        super(level, serverContextTakeover, clientContextTakeover);
        this.max = max;
    }

    @Override
    public synchronized PooledByteBuffer transformForRead(PooledByteBuffer pooled, StreamSourceFrameChannel channel,
                                                         boolean lastFragmentOfMessage) throws IOException {
        if ((channel.getRsv() & 4) == 0) {
            return pooled; // RSV1 unset: a message sent uncompressed
        }
        try (pooled) {
            ByteBuffer out = ByteBuffer.allocate(0);
            if (message != channel) {
                boolean unfinished = message != null && inflated <= max;
                message = channel;
                inflated = 0;
                if (unfinished) { // the message before ended without a last frame
                    out = inflate(ByteBuffer.wrap(TAIL), out);
                }
            }
            if (inflated + out.position() <= max) {
                out = inflate(pooled.getBuffer(), out);
                if (lastFragmentOfMessage && inflated + out.position() <= max) {
                    out = inflate(ByteBuffer.wrap(TAIL), out);
                }
            }
            inflated += out.position();
            if (lastFragmentOfMessage) {
                message = null;
            }
            return new ImmediatePooledByteBuffer(out.flip());
        }
    }

    /** Inflates the input into out, grown as needed up to the bytes left before max + 1; returns out, filled. */
    private ByteBuffer inflate(ByteBuffer in, ByteBuffer out) throws IOException {
        if (!in.hasRemaining()) {
            return out;
        }
        inflater.setInput(in); // a direct buffer is read where it is
        long room = max + 1 - inflated;
        try {
            while (true) {
                if (!out.hasRemaining()) {
                    if (out.capacity() >= room) {
                        return out; // past the limit: what is left of the message stays compressed
                    }
                    out = ByteBuffer.allocate((int) Math.min(room, Math.max(FIRST, 2L * out.capacity()))).put(out.flip());
                }
                int n = inflater.inflate(out.array(), out.position(), out.remaining());
                out.position(out.position() + n);
                if (n == 0 && out.hasRemaining()) {
                    return out; // the input is spent (or the stream ended)
                }
            }
        } catch (DataFormatException e) {
            throw WebSocketMessages.MESSAGES.badCompressedPayload(e);
        }
    }

    @Override
    public void dispose() {
        super.dispose();
        inflater.end();
    }
}
