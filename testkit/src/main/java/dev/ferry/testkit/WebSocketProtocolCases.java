package dev.ferry.testkit;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 6455 protocol cases in the manner of the Autobahn TestSuite's sections 2 to 7: pings, reserved
 * bits, opcodes, fragmentation, UTF-8 and the close frame, each with the one outcome every server must
 * show. A case sends its frames on a fresh connection to an echo endpoint and reads what comes back
 * until the server's close frame or the end of the connection.
 */
final class WebSocketProtocolCases {

    /** What a case expects: the echo of its messages, or the connection failed with this close code. */
    record Case(String id, String title, String expected, Step steps) {
        @Override
        public String toString() {
            return id + " " + title;
        }
    }

    /** The frames a case sends. */
    interface Step {
        void send(RawWebSocket ws) throws IOException;
    }

    /** How long a case waits for more answers before it closes. */
    private static final Duration QUIET = Duration.ofMillis(400);

    private WebSocketProtocolCases() {
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }

    private static byte[] close(int code, byte[] reason) {
        byte[] payload = new byte[2 + reason.length];
        payload[0] = (byte) (code >> 8);
        payload[1] = (byte) code;
        System.arraycopy(reason, 0, payload, 2, reason.length);
        return payload;
    }

    static List<Case> all() {
        List<Case> cases = new ArrayList<>();
        // 2: pings and pongs
        cases.add(new Case("2.1", "a ping with an empty payload", "pong , close 1000",
                ws -> ws.send(true, RawWebSocket.PING, new byte[0])));
        cases.add(new Case("2.4", "a ping with a 125-byte payload", "pong " + "p".repeat(125) + ", close 1000",
                ws -> ws.send(true, RawWebSocket.PING, utf8("p".repeat(125)))));
        cases.add(new Case("2.5", "a ping with a 126-byte payload", "close 1002",
                ws -> ws.send(true, RawWebSocket.PING, utf8("p".repeat(126)))));
        cases.add(new Case("2.7", "an unsolicited pong, then a text", "text after, close 1000",
                ws -> ws.send(true, RawWebSocket.PONG, utf8("unasked")).text("after")));
        // 3: reserved bits, no extension being negotiated
        cases.add(new Case("3.1", "RSV1 on a text frame", "close 1002", ws -> ws.frame(0x80 | 0x40 | RawWebSocket.TEXT, true, utf8("x"))));
        cases.add(new Case("3.4", "RSV2 on a binary frame", "close 1002", ws -> ws.frame(0x80 | 0x20 | RawWebSocket.BINARY, true, utf8("x"))));
        cases.add(new Case("3.6", "RSV3 on a ping", "close 1002", ws -> ws.frame(0x80 | 0x10 | RawWebSocket.PING, true, utf8("x"))));
        // 4: opcodes
        cases.add(new Case("4.1.1", "reserved data opcode 3", "close 1002", ws -> ws.frame(0x80 | 3, true, new byte[0])));
        cases.add(new Case("4.1.3", "reserved data opcode 5 with a payload", "close 1002", ws -> ws.frame(0x80 | 5, true, utf8("x"))));
        cases.add(new Case("4.2.1", "reserved control opcode 11", "close 1002", ws -> ws.frame(0x80 | 11, true, new byte[0])));
        cases.add(new Case("4.2.5", "reserved control opcode 15 with a payload", "close 1002", ws -> ws.frame(0x80 | 15, true, utf8("x"))));
        // 5: fragmentation
        cases.add(new Case("5.1", "a fragmented ping", "close 1002", ws -> ws.send(false, RawWebSocket.PING, utf8("a"))
                .send(true, RawWebSocket.CONTINUATION, utf8("b"))));
        cases.add(new Case("5.3", "a text in fragments", "text fragmented, close 1000", ws -> ws.send(false, RawWebSocket.TEXT, utf8("frag"))
                .send(true, RawWebSocket.CONTINUATION, utf8("mented"))));
        cases.add(new Case("5.6", "a ping between fragments", "pong mid, text ab, close 1000", ws -> ws.send(false, RawWebSocket.TEXT, utf8("a"))
                .send(true, RawWebSocket.PING, utf8("mid")).send(true, RawWebSocket.CONTINUATION, utf8("b"))));
        cases.add(new Case("5.9", "a continuation with no message begun", "close 1002",
                ws -> ws.send(true, RawWebSocket.CONTINUATION, utf8("x"))));
        cases.add(new Case("5.13", "an unfinished continuation with no message begun", "close 1002",
                ws -> ws.send(false, RawWebSocket.CONTINUATION, utf8("x"))));
        cases.add(new Case("5.18", "a new text inside a fragmented one", "close 1002", ws -> ws.send(false, RawWebSocket.TEXT, utf8("a"))
                .send(true, RawWebSocket.TEXT, utf8("b"))));
        cases.add(new Case("5.20", "an empty first fragment", "binary, close 1000", ws -> ws.send(false, RawWebSocket.BINARY, new byte[0])
                .send(true, RawWebSocket.CONTINUATION, new byte[0])));
        // 6: UTF-8 in text messages
        cases.add(new Case("6.2", "valid UTF-8 at the edges of its ranges", "text \u007f\u0080\u07ff\u0800\uffff\ud800\udc00\udbff\udfff, close 1000",
                ws -> ws.text("\u007f\u0080\u07ff\u0800\uffff\ud800\udc00\udbff\udfff")));
        cases.add(new Case("6.3.1", "an overlong encoding", "close 1007", ws -> ws.send(true, RawWebSocket.TEXT, bytes(0xC0, 0xAF))));
        cases.add(new Case("6.3.2", "an encoded surrogate", "close 1007", ws -> ws.send(true, RawWebSocket.TEXT, bytes(0xED, 0xA0, 0x80))));
        cases.add(new Case("6.3.3", "a code point above U+10FFFF", "close 1007",
                ws -> ws.send(true, RawWebSocket.TEXT, bytes(0xF4, 0x90, 0x80, 0x80))));
        cases.add(new Case("6.3.4", "the byte 0xFF", "close 1007", ws -> ws.send(true, RawWebSocket.TEXT, bytes('a', 0xFF))));
        cases.add(new Case("6.4.1", "invalid UTF-8 in the second fragment", "close 1007",
                ws -> ws.send(false, RawWebSocket.TEXT, utf8("ok")).send(true, RawWebSocket.CONTINUATION, bytes(0xF4, 0x90))));
        cases.add(new Case("6.4.2", "a message ending inside a character", "close 1007",
                ws -> ws.send(true, RawWebSocket.TEXT, bytes('a', 0xE2, 0x82))));
        // 7: the close frame
        cases.add(new Case("7.1.1", "a close with no payload", "close 1000", ws -> ws.send(true, RawWebSocket.CLOSE, new byte[0])));
        cases.add(new Case("7.1.3", "data after the close is not answered", "close 1000",
                ws -> ws.close(1000, "").text("ignored")));
        cases.add(new Case("7.3.2", "a close payload of one byte", "close 1002", ws -> ws.send(true, RawWebSocket.CLOSE, bytes(3))));
        cases.add(new Case("7.3.6", "a close reason of 124 bytes", "close 1002",
                ws -> ws.send(true, RawWebSocket.CLOSE, close(1000, utf8("r".repeat(124))))));
        cases.add(new Case("7.5.1", "a close reason that is not UTF-8", "close 1007",
                ws -> ws.send(true, RawWebSocket.CLOSE, close(1000, bytes(0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80)))));
        for (int code : new int[] {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
            cases.add(new Case("7.7." + code, "a close with the valid code " + code, "close " + code,
                    ws -> ws.send(true, RawWebSocket.CLOSE, close(code, new byte[0]))));
        }
        for (int code : new int[] {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999, 5000, 65535}) {
            cases.add(new Case("7.9." + code, "a close with the invalid code " + code, "close 1002",
                    ws -> ws.send(true, RawWebSocket.CLOSE, close(code, new byte[0]))));
        }
        // RFC 6455, section 5.1: a server closes the connection on an unmasked frame
        cases.add(new Case("5.1.u", "an unmasked text frame", "close 1002",
                ws -> ws.frame(0x80 | RawWebSocket.TEXT, false, utf8("bare"))));
        // 3.2 and 4.2.4, the frames in one write, the text answered 300 ms late: messages before a broken frame are
        // answered before the close
        cases.add(new Case("3.2", "a text, then RSV2 on a text frame, then a ping: the text is answered, the ping is not",
                "text slow, close 1002", ws -> ws.hold().text("slow").frame(0x80 | 0x20 | RawWebSocket.TEXT, true, utf8("x"))
                        .send(true, RawWebSocket.PING, utf8("p")).release()));
        cases.add(new Case("4.2.4", "a text, then reserved control opcode 14 with a payload, then a ping", "text slow, close 1002",
                ws -> ws.hold().text("slow").frame(0x80 | 14, true, utf8("x")).send(true, RawWebSocket.PING, utf8("p")).release()));
        return cases;
    }

    /**
     * Runs the case on a connection just opened, and returns what the server did, in the form of
     * {@link Case#expected}: the messages it sent back, then {@code close N} for its close frame, or
     * {@code dropped} when the connection ended without one.
     */
    static String outcome(Case c, RawWebSocket ws, Duration wait) throws IOException {
        c.steps().send(ws);
        // as Autobahn does, a case whose messages are answered closes once the answers are in
        boolean closeAfterAnswers = c.expected().endsWith(", close 1000") && !c.id().startsWith("7.");
        List<String> seen = new ArrayList<>();
        StringBuilder message = new StringBuilder();
        int messageType = -1;
        while (true) {
            RawWebSocket.Frame frame;
            try {
                frame = ws.read(closeAfterAnswers ? QUIET : wait);
            } catch (EOFException e) {
                seen.add("dropped");
                break;
            } catch (SocketTimeoutException e) {
                if (closeAfterAnswers) {
                    closeAfterAnswers = false;
                    ws.close(1000, "");
                    continue;
                }
                break;
            } catch (IOException e) {
                seen.add("dropped");
                break;
            }
            switch (frame.opcode()) {
                case RawWebSocket.CLOSE -> {
                    seen.add(frame.payload().length == 0 ? "close" : "close " + frame.closeCode());
                    return String.join(", ", seen);
                }
                case RawWebSocket.PONG -> seen.add("pong " + frame.text());
                case RawWebSocket.PING -> seen.add("ping " + frame.text());
                default -> {
                    if (frame.opcode() != RawWebSocket.CONTINUATION) {
                        messageType = frame.opcode();
                        message.setLength(0);
                    }
                    message.append(frame.text());
                    if (frame.fin()) {
                        seen.add(messageType == RawWebSocket.TEXT ? "text " + message : "binary" + (message.isEmpty() ? "" : " " + message));
                    }
                }
            }
        }
        return String.join(", ", seen);
    }
}
