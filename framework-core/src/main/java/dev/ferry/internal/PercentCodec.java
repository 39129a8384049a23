package dev.ferry.internal;

import dev.ferry.HttpException;
import dev.ferry.Status;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict percent-decoding to UTF-8. Invalid escapes and malformed or overlong UTF-8 are a client
 * error (400), never a silently replaced character.
 */
public final class PercentCodec {

    private PercentCodec() {
    }

    /**
     * Decodes {@code text[from, to)}. Characters above 0x7F are taken as raw octets when they fit in
     * one byte (servers pass the request target as ISO-8859-1), otherwise as already decoded text.
     */
    public static String decode(String text, int from, int to, boolean plusIsSpace) {
        int i = from;
        while (i < to) {
            char c = text.charAt(i);
            if (c == '%' || c > 0x7F || plusIsSpace && c == '+') {
                return decodeSlow(text, from, to, plusIsSpace);
            }
            i++;
        }
        return text.substring(from, to);
    }

    /**
     * Decodes {@code text[from, to)}, whose characters are octets (0x00-0xFF), with the escaped and
     * raw octets taken in this charset; malformed input for the charset is a 400.
     */
    public static String decode(String text, int from, int to, boolean plusIsSpace, java.nio.charset.Charset charset) {
        if (charset.equals(StandardCharsets.UTF_8)) {
            return decode(text, from, to, plusIsSpace);
        }
        return decodeSlow(text, from, to, plusIsSpace, charset);
    }

    /** Decodes the whole text. */
    public static String decode(String text, boolean plusIsSpace) {
        return decode(text, 0, text.length(), plusIsSpace);
    }

    private static String decodeSlow(String text, int from, int to, boolean plusIsSpace) {
        return decodeSlow(text, from, to, plusIsSpace, StandardCharsets.UTF_8);
    }

    private static String decodeSlow(String text, int from, int to, boolean plusIsSpace, java.nio.charset.Charset charset) {
        byte[] bytes = new byte[(to - from) * 3];
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= to) {
                    throw bad("incomplete percent-encoding");
                }
                int high = Character.digit(text.charAt(i + 1), 16);
                int low = Character.digit(text.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    throw bad("invalid percent-encoding");
                }
                bytes[n++] = (byte) (high << 4 | low);
                i += 2;
            } else if (plusIsSpace && c == '+') {
                bytes[n++] = ' ';
            } else if (c <= 0xFF) {
                bytes[n++] = (byte) c;
            } else {
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < to) {
                    utf8 = text.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                System.arraycopy(utf8, 0, bytes, n, utf8.length);
                n += utf8.length;
            }
        }
        try {
            CharBuffer chars = charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, n));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw bad(charset.equals(StandardCharsets.UTF_8) ? "invalid UTF-8 in percent-encoding"
                    : "invalid " + charset.name() + " in percent-encoding");
        }
    }

    private static HttpException bad(String message) {
        return new HttpException(Status.BAD_REQUEST, "Bad Request: " + message);
    }
}
