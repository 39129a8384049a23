package dev.ferry.undertow.internal;

import java.nio.ByteBuffer;

/**
 * Reads the heads of the WebSocket frames going to Undertow once permessage-deflate is agreed: Undertow's frame
 * reader then takes any RSV bits, so a frame with bits the extension does not use (RSV2, RSV3, or RSV1 on a control
 * frame or a continuation) is found here. It and everything after it are held back, and Undertow's next read, once
 * it has what came before, reports the broken frame.
 */
final class FrameGuard {

    private final byte[] head = new byte[14];
    private int headBytes;
    private long payloadLeft;
    private boolean broken;
    private volatile Runnable onBroken;

    /** Sets what runs once Undertow has read everything before a broken frame. */
    void onBroken(Runnable onBroken) {
        this.onBroken = onBroken;
    }

    /** Returns whether a broken frame was found: nothing more passes. */
    boolean broken() {
        return broken;
    }

    /** Reports the broken frame, once. */
    void report() {
        Runnable report = onBroken;
        onBroken = null;
        if (report != null) {
            report.run();
        }
    }

    /** Scans the bytes from {@code from} to {@code to}; returns where what may pass ends: a broken frame's start, or {@code to}. */
    int scan(ByteBuffer bytes, int from, int to) {
        int i = from;
        while (i < to) {
            if (payloadLeft > 0) {
                long skip = Math.min(payloadLeft, to - i);
                payloadLeft -= skip;
                i += (int) skip;
                continue;
            }
            int start = i - headBytes; // where this head began, before this read when it was split
            head[headBytes++] = bytes.get(i++);
            int needed = needed();
            if (headBytes < needed) {
                continue;
            }
            headBytes = 0;
            if (!allowed(head[0])) {
                broken = true;
                return Math.max(start, from);
            }
            payloadLeft = Math.max(length(), 0); // past 2^63: Undertow's reader refuses it
        }
        return to;
    }

    /** Returns the bytes of the head being read, as far as its first two bytes tell. */
    private int needed() {
        if (headBytes < 2) {
            return 2;
        }
        int length = head[1] & 0x7F;
        int mask = (head[1] & 0x80) != 0 ? 4 : 0;
        return 2 + (length == 126 ? 2 : length == 127 ? 8 : 0) + mask;
    }

    private long length() {
        int length = head[1] & 0x7F;
        if (length < 126) {
            return length;
        }
        long value = 0;
        for (int i = 0; i < (length == 126 ? 2 : 8); i++) {
            value = value << 8 | head[2 + i] & 0xFF;
        }
        return value;
    }

    /** RSV1 only on the first frame of a text or binary message, no other RSV bit. */
    private static boolean allowed(byte first) {
        int rsv = first & 0x70;
        int opcode = first & 0x0F;
        return rsv == 0 || rsv == 0x40 && (opcode == 1 || opcode == 2);
    }
}
