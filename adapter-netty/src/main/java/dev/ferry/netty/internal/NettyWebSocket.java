package dev.ferry.netty.internal;

import dev.ferry.spi.WebSocketClose;
import dev.ferry.spi.WebSocketDeflate;
import dev.ferry.spi.WebSocketEvents;
import dev.ferry.spi.WebSocketTransport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.MessageAggregationException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionFilterProvider;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * One WebSocket connection on Netty's frame codec ({@code WebSocket13FrameDecoder}, permessage-deflate when
 * agreed, the UTF-8 validator and {@code WebSocketFrameAggregator} in front of it): whole messages go to the
 * core's events, and the
 * core's sends become frames. Pings and the peer's close frame are answered here, as the SPI asks.
 */
final class NettyWebSocket extends SimpleChannelInboundHandler<WebSocketFrame> implements WebSocketTransport {

    /** How long a close frame sent waits for the peer's before the connection is closed anyway. */
    private static final long CLOSE_WAIT_SECONDS = 5;

    private final Channel channel;
    private WebSocketEvents events;
    private volatile boolean closeSent;
    /** The decoder met a broken frame: it discards the rest of the input, so no close frame can be read. */
    private volatile boolean broken;
    private volatile boolean reading = true; // as the core asks
    private boolean ended;

    NettyWebSocket(Channel channel) {
        this.channel = channel;
    }

    void events(WebSocketEvents events) {
        this.events = events;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        switch (frame) {
            case TextWebSocketFrame text -> events.text(text.text());
            case BinaryWebSocketFrame binary -> events.binary(copy(binary.content()));
            case PingWebSocketFrame ping -> {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retainedDuplicate()));
                if (!channel.isWritable()) {
                    updateReading(); // a client that does not take its pongs is not read until it does
                }
                events.ping(copy(ping.content()));
            }
            case PongWebSocketFrame pong -> events.pong(copy(pong.content()));
            case CloseWebSocketFrame close -> {
                int code = close.statusCode() < 0 ? 1005 : close.statusCode();
                String reason = close.statusCode() < 0 ? "" : close.reasonText();
                if (close.statusCode() >= 0 && !WebSocketClose.sendable(code)) {
                    events.protocolError(1002, new IOException("a close frame with the code " + code));
                    return;
                }
                if (!closeSent) {
                    closeSent = true; // the answer echoes the code, and the server closes the connection first
                    ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketClose.answer(code), ""))
                            .addListener(ChannelFutureListener.CLOSE);
                } else {
                    ctx.close();
                }
                events.closed(code, reason);
            }
            default -> events.protocolError(1003, new IllegalStateException("an unexpected frame: " + frame));
        }
    }

    /**
     * The encoder and decoder of Netty's permessage-deflate for what the core agreed: its handshaker is given the
     * agreed parameters, each of which it accepts, and inflates a frame to at most the message limit.
     */
    static WebSocketServerExtension deflate(WebSocketDeflate agreed, int maxMessageSize) {
        Map<String, String> parameters = new HashMap<>();
        agreed.parameters().forEach(parameter -> parameters.put(parameter.getKey(), parameter.getValue()));
        WebSocketServerExtension extension = new PerMessageDeflateServerExtensionHandshaker(6, true, 15, true, false,
                WebSocketExtensionFilterProvider.DEFAULT, maxMessageSize)
                .handshakeExtension(new WebSocketExtensionData(WebSocketDeflate.NAME, parameters));
        if (extension == null) {
            throw new IllegalStateException("Netty declined the agreed " + agreed);
        }
        return extension;
    }

    /**
     * Fails a frame with RSV bits that permessage-deflate does not use (RSV2, RSV3, RSV1 on a control frame or a
     * continuation) with 1002, where the frame decoder lets any through once an extension is agreed; drops every
     * frame after it.
     */
    static final class ReservedBits extends ChannelInboundHandlerAdapter {
        private boolean failed;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            WebSocketFrame frame = (WebSocketFrame) message;
            boolean data = frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame;
            boolean allowed = frame.rsv() == 0 || frame.rsv() == WebSocketExtension.RSV1 && data;
            if (!failed && allowed) {
                ctx.fireChannelRead(frame);
                return;
            }
            frame.release();
            if (!failed) {
                failed = true;
                ctx.fireExceptionCaught(new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR,
                        "RSV bits that no agreed extension uses: " + frame.rsv()));
            }
        }
    }

    private static ByteBuffer copy(ByteBuf content) {
        ByteBuffer copy = ByteBuffer.allocate(content.readableBytes());
        content.getBytes(content.readerIndex(), copy);
        return copy.flip();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        end(null);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
            ctx.close(); // the peer left without a close frame; it will read nothing more either
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        broken = true;
        if (cause instanceof CorruptedWebSocketFrameException corrupt) {
            int code = corrupt.closeStatus().code();
            if (code == 1009) {
                events.tooLarge();
            } else {
                events.protocolError(code, corrupt);
            }
        } else if (cause instanceof TooLongFrameException) {
            events.tooLarge();
        } else if (cause instanceof MessageAggregationException) {
            events.protocolError(1002, cause);
        } else if (cause instanceof DecompressionException) {
            if (cause.getCause() instanceof java.util.zip.DataFormatException) {
                events.protocolError(1007, cause); // compressed bytes that do not inflate
            } else {
                events.tooLarge(); // a frame that inflates past the message limit
            }
        } else {
            ctx.close();
            end(cause);
        }
    }

    private void end(Throwable cause) {
        if (!ended) {
            ended = true;
            events.ended(cause);
        }
    }

    @Override
    public CompletionStage<Void> text(String message) {
        return sent(channel.writeAndFlush(new TextWebSocketFrame(message)));
    }

    @Override
    public CompletionStage<Void> binary(ByteBuffer message) {
        return sent(channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.copiedBuffer(message.duplicate()))));
    }

    @Override
    public CompletionStage<Void> ping(ByteBuffer data) {
        return sent(channel.writeAndFlush(new PingWebSocketFrame(Unpooled.copiedBuffer(data.duplicate()))));
    }

    @Override
    public CompletionStage<Void> close(int code, String reason) {
        closeSent = true;
        ChannelFuture written = channel.writeAndFlush(code == 1005 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, reason));
        written.addListener(done -> {
            if (done.isSuccess() && !broken) {
                channel.eventLoop().schedule(() -> channel.close(), CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            } else {
                channel.close();
            }
        });
        return sent(written);
    }

    @Override
    public void abort() {
        channel.close();
    }

    @Override
    public void reading(boolean on) {
        reading = on;
        updateReading();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateReading();
        ctx.fireChannelWritabilityChanged();
    }

    /** Reads while the core takes events and the client takes what is written to it, so neither queue grows without end. */
    private void updateReading() {
        channel.config().setAutoRead(reading && channel.isWritable());
    }

    private static CompletionStage<Void> sent(ChannelFuture future) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        future.addListener(done -> {
            if (done.isSuccess()) {
                sent.complete(null);
            } else {
                sent.completeExceptionally(done.cause());
            }
        });
        return sent;
    }
}
