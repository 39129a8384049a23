package dev.ferry.spi;

/**
 * The answer to a peer's close frame, the same on every server (RFC 6455, sections 5.5.1 and 7.4): an
 * adapter whose server lets it choose the answer's code takes it from here.
 */
public final class WebSocketClose {

    private WebSocketClose() {
    }

    /**
     * Returns whether a peer may send this code in a close frame: 1000 to 1003, 1007 to 1014, and 3000
     * to 4999 (registered and private codes). 1004 to 1006 and 1015 are never sent; the rest are reserved.
     */
    public static boolean sendable(int code) {
        return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
    }

    /**
     * Returns the code of the answer to a close frame with this code ({@code 1005} when it had none):
     * the same code, {@code 1000} for a close frame without one, and {@code 1002} (protocol error) for
     * a code no peer may send.
     */
    public static int answer(int code) {
        if (code == 1005) {
            return 1000;
        }
        return sendable(code) ? code : 1002;
    }
}
