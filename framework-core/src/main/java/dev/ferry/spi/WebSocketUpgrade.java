package dev.ferry.spi;

import dev.ferry.internal.WebSocketSession;

/**
 * An upgrade to WebSocket that the engine accepted, handed to {@link Exchange#upgrade}: the adapter
 * writes {@link #head()} (or has its server write the same head for {@link #key()}), switches the
 * connection to WebSocket frames with its server's own support, limits messages to
 * {@link #maxMessageSize()}, compresses them as {@link #deflate()} says, and then calls {@link #open} once.
 */
public final class WebSocketUpgrade {

    private final ResponseHead head;
    private final String key;
    private final int maxMessageSize;
    private final WebSocketDeflate deflate;
    private final WebSocketSession session;

    WebSocketUpgrade(ResponseHead head, String key, int maxMessageSize, WebSocketDeflate deflate,
                     WebSocketSession session) {
        this.head = head;
        this.key = key;
        this.maxMessageSize = maxMessageSize;
        this.deflate = deflate;
        this.session = session;
    }

    /** Returns the {@code 101 Switching Protocols} head, with {@code Sec-WebSocket-Accept} and the app's fields. */
    public ResponseHead head() {
        return head;
    }

    /** Returns the client's {@code Sec-WebSocket-Key}. */
    public String key() {
        return key;
    }

    /** Returns the largest message in bytes (UTF-8 for text); a longer one is reported with {@link WebSocketEvents#tooLarge()}. */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /**
     * Returns the permessage-deflate agreement that the head's {@code Sec-WebSocket-Extensions} states, which the
     * adapter carries out; empty when messages go uncompressed (frames with RSV1 are then a protocol error).
     */
    public java.util.Optional<WebSocketDeflate> deflate() {
        return java.util.Optional.ofNullable(deflate);
    }

    /**
     * Starts the session once the head is written and the connection carries frames: the endpoint opens
     * and the returned events receive what arrives. Called once.
     */
    public WebSocketEvents open(WebSocketTransport transport) {
        session.start(transport);
        return session.events();
    }
}
