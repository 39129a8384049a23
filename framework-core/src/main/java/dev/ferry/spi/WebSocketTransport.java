package dev.ferry.spi;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;

/**
 * The frames of one WebSocket connection as an adapter sends them through its server's own WebSocket
 * support. The core calls the send methods one at a time, each after the previous one completed; each
 * returns a stage that completes once the server has taken the frame, or fails when it cannot.
 */
public interface WebSocketTransport {

    /** Sends a text message. */
    CompletionStage<Void> text(String message);

    /** Sends a binary message of the buffer's remaining bytes. */
    CompletionStage<Void> binary(ByteBuffer message);

    /** Sends a ping with this data (at most 125 bytes). */
    CompletionStage<Void> ping(ByteBuffer data);

    /**
     * Sends a close frame with this code and reason (an empty close frame for 1005), then closes the
     * connection once the peer's close frame arrives, or after a few seconds without it.
     */
    CompletionStage<Void> close(int code, String reason);

    /** Cuts the connection at once. */
    void abort();

    /** Stops or resumes reading from the connection, while the endpoint is behind; reading is on at first. */
    default void reading(boolean on) {
    }

    /**
     * Returns whether the server sends its own close frame as soon as it reads a broken frame. The core then
     * reads one message at a time ({@link #reading} off until the endpoint has handled each), so that what
     * the endpoint sends in answer to a message still goes out before that close frame.
     */
    default boolean closesOnBrokenFrames() {
        return false;
    }
}
