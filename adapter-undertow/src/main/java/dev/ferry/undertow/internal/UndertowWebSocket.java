package dev.ferry.undertow.internal;

import dev.ferry.spi.WebSocketEvents;
import dev.ferry.spi.WebSocketTransport;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSocketFrameCorruptedException;
import io.undertow.websockets.core.WebSockets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.Pooled;

/**
 * One WebSocket connection on Undertow's own support ({@code io.undertow.websockets}): Undertow buffers
 * whole messages up to the limit (and sends the 1009 close itself past it), answers pings and the peer's
 * close frame; the messages go to the core's events, and the core's sends go through {@link WebSockets}.
 */
final class UndertowWebSocket extends AbstractReceiveListener implements WebSocketTransport {

    /** How long a close frame sent waits for the peer's before the connection is closed anyway. */
    private static final long CLOSE_WAIT_SECONDS = 5;

    private final WebSocketChannel channel;
    private final long max;
    private WebSocketEvents events;
    private boolean ended;
    private volatile boolean closeRequested;
    private boolean closeFrame;

    UndertowWebSocket(WebSocketChannel channel, long max) {
        this.channel = channel;
        this.max = max;
    }

    /** Starts receiving into these events. */
    void start(WebSocketEvents events) {
        this.events = events;
        channel.addCloseTask(closed -> end(null));
        channel.getReceiveSetter().set(this);
        channel.resumeReceives();
    }

    private synchronized void end(Throwable failure) {
        if (!ended) {
            ended = true;
            events.ended(failure);
        }
    }

    @Override
    protected long getMaxTextBufferSize() {
        return max;
    }

    @Override
    protected long getMaxBinaryBufferSize() {
        return max;
    }

    @Override
    protected void onFullTextMessage(WebSocketChannel channel, BufferedTextMessage message) {
        events.text(message.getData());
    }

    @Override
    protected void onFullBinaryMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
        events.binary(copy(message));
    }

    @Override
    protected void onFullPingMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
        ByteBuffer data = copy(message); // the message's data can be taken once
        WebSockets.sendPong(data.duplicate(), channel, new Sent());
        events.ping(data);
    }

    @Override
    protected void onFullPongMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
        events.pong(copy(message));
    }

    @Override
    protected void onFullCloseMessage(WebSocketChannel channel, BufferedBinaryMessage message) throws IOException {
        closeFrame = true;
        super.onFullCloseMessage(channel, message);
    }

    @Override
    protected void onCloseMessage(CloseMessage message, WebSocketChannel channel) {
        if (!closeFrame) {
            end(null); // Undertow's stand-in when the peer's input ended without a close frame
            return;
        }
        // Undertow answers it (unless a close frame was sent) once this returns
        int code = message.getCode() == 0 ? 1005 : message.getCode();
        events.closed(code, message.getCode() == 0 ? "" : message.getReason());
    }

    @Override
    protected void onError(WebSocketChannel channel, Throwable error) {
        if (!closeRequested && channel.isCloseFrameSent()) {
            // Undertow closed on its own: a corrupted frame (1002), or a message over the limit (1009); the core
            // records why the session ends, and its own close frame is dropped
            if (error instanceof WebSocketFrameCorruptedException) {
                events.protocolError(1002, error);
            } else {
                events.tooLarge();
            }
            return;
        }
        IoUtils.safeClose(channel);
        end(error);
    }

    private static ByteBuffer copy(BufferedBinaryMessage message) {
        Pooled<ByteBuffer[]> data = message.getData();
        try {
            return copy(data.getResource());
        } finally {
            data.free();
        }
    }

    private static ByteBuffer copy(ByteBuffer[] buffers) {
        int size = 0;
        for (ByteBuffer buffer : buffers) {
            size += buffer.remaining();
        }
        ByteBuffer copy = ByteBuffer.allocate(size);
        for (ByteBuffer buffer : buffers) {
            copy.put(buffer.duplicate());
        }
        return copy.flip();
    }

    @Override
    public CompletionStage<Void> text(String message) {
        Sent sent = new Sent();
        WebSockets.sendText(message, channel, sent);
        return sent.future;
    }

    @Override
    public CompletionStage<Void> binary(ByteBuffer message) {
        Sent sent = new Sent();
        WebSockets.sendBinary(copyOf(message), channel, sent);
        return sent.future;
    }

    @Override
    public CompletionStage<Void> ping(ByteBuffer data) {
        Sent sent = new Sent();
        WebSockets.sendPing(copyOf(data), channel, sent);
        return sent.future;
    }

    @Override
    public CompletionStage<Void> close(int code, String reason) {
        closeRequested = true;
        Sent sent = new Sent();
        if (code == 1005) {
            WebSockets.sendClose(ByteBuffer.allocate(0), channel, sent);
        } else {
            WebSockets.sendClose(code, reason, channel, sent);
        }
        channel.getIoThread().executeAfter(() -> IoUtils.safeClose(channel), CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        return sent.future;
    }

    @Override
    public void abort() {
        IoUtils.safeClose(channel);
    }

    @Override
    public boolean closesOnBrokenFrames() {
        return true; // its frame reader sends 1002 (or 1007) itself
    }

    @Override
    public void reading(boolean on) {
        if (on) {
            channel.resumeReceives();
        } else {
            channel.suspendReceives();
        }
    }

    private static ByteBuffer copyOf(ByteBuffer buffer) {
        ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
        return copy.put(buffer.duplicate()).flip();
    }

    /** A send's completion as a stage. */
    private static final class Sent implements WebSocketCallback<Void> {
        final CompletableFuture<Void> future = new CompletableFuture<>();

        @Override
        public void complete(WebSocketChannel channel, Void context) {
            future.complete(null);
        }

        @Override
        public void onError(WebSocketChannel channel, Void context, Throwable failure) {
            future.completeExceptionally(failure);
        }
    }
}
