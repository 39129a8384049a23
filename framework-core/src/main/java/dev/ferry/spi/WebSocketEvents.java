package dev.ferry.spi;

import java.nio.ByteBuffer;

/**
 * What an adapter reports about one WebSocket connection, from one thread at a time and in order; the
 * core decides what follows. The adapter's server answers pings and a peer's close frame itself.
 */
public interface WebSocketEvents {

    /** A whole text message arrived. */
    void text(String message);

    /** A whole binary message arrived; the buffer is handed over. */
    void binary(ByteBuffer message);

    /** A ping arrived (the server answers it). */
    void ping(ByteBuffer data);

    /** A pong arrived; the buffer is handed over. */
    void pong(ByteBuffer data);

    /** A message longer than {@link WebSocketUpgrade#maxMessageSize()} began; the core closes with 1009. */
    void tooLarge();

    /**
     * The peer broke the protocol; the core closes with the code the server chose (1002, or 1007 for
     * text that is not UTF-8).
     */
    void protocolError(int code, Throwable failure);

    /**
     * The peer's close frame arrived, with its code ({@code 1005} when it had none) and reason; the
     * adapter's server answers it (unless a close frame was sent already) and closes the connection.
     */
    void closed(int code, String reason);

    /** The connection ended, without a close frame or after one; the failure, when there was one, or null. */
    void ended(Throwable failure);
}
