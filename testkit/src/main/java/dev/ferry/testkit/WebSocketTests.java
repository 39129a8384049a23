package dev.ferry.testkit;

import dev.ferry.Filter;
import dev.ferry.Handler;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.WebSocket;
import dev.ferry.routing.Router;
import dev.ferry.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * WebSocket as core's {@link WebSocket} defines it, the same on every production server: the
 * handshake and its refusals, echo of text and binary, pings, the size limit (1009), a failing endpoint
 * (1011), the idle timeout (1001) and the close handshake, through a raw socket and the JDK's client.
 * The dev server cannot carry an upgrade: it answers one with 501 naming the dependency to add.
 * Tagged {@code websocket}: {@code -Dgroups=websocket} runs it alone.
 */
@Tag("websocket")
abstract class WebSocketTests extends Tier {

    static final int MAX = 4096;
    static final Duration WS_IDLE = Duration.ofSeconds(2);

    final LinkedBlockingQueue<String> closes = new LinkedBlockingQueue<>();

    WebSocketTests(ConformanceSuite suite) {
        super(suite);
    }

    @Override
    ServerConfig config() {
        return base().maxWebSocketMessage(MAX).webSocketIdleTimeout(WS_IDLE).build();
    }

    @Override
    Handler handler() {
        WebSocket.Endpoint echo = session -> new WebSocket.Listener() {
            @Override
            public void text(String message) throws InterruptedException {
                switch (message) {
                    case "throw" -> throw new IllegalStateException("the endpoint failed on purpose");
                    case "ping" -> session.ping(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                    case "bye" -> session.close(4000, "bye then");
                    case "subprotocol" -> session.text("[" + session.subprotocol() + "]");
                    case "slow" -> { // answered late: a broken frame after it must not overtake the answer
                        Thread.sleep(300);
                        session.text(message);
                    }
                    default -> session.text(message);
                }
            }

            @Override
            public void binary(ByteBuffer message) {
                session.binary(message);
            }

            @Override
            public void closed(int code, String reason) {
                closes.add(code + " " + reason);
            }
        };
        Filter guard = next -> request -> request.path().startsWith("/guarded") && !request.headers().contains("X-Token")
                ? Response.error(Status.UNAUTHORIZED, "no token") : next.handle(request);
        return guard.then(Router.builder()
                .websocket("/echo", echo)
                .websocket("/guarded", echo)
                .websocket("/open", WebSocket.upgrade(echo).allowOrigins("https://app.example"))
                .websocket("/chat", WebSocket.upgrade(echo).subprotocols("v2.chat", "v1.chat"))
                .websocket("/deflate", WebSocket.upgrade(echo).compress())
                .build());
    }

    boolean carriesWebSockets() {
        return suite.provider().production();
    }

    RawWebSocket open(String target, String... fields) throws IOException {
        assumeTrue(carriesWebSockets(), "the dev server cannot carry an upgrade");
        RawWebSocket ws = RawWebSocket.open(port, target, fields);
        return ws;
    }

    RawWebSocket upgraded(String target) throws IOException {
        RawWebSocket ws = open(target);
        assertEquals(101, ws.status, ws.head);
        return ws;
    }

    /** The accept key of RFC 6455, section 4.2.2, computed here rather than taken from core. */
    static String accept(String key) {
        try {
            return java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Returns the expected closed event once the endpoint saw it, or what it saw instead within five
     * seconds: sessions of earlier tests may still end meanwhile.
     */
    String nextClose(String expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        java.util.List<String> seen = new java.util.ArrayList<>();
        while (System.nanoTime() < deadline) {
            String close = closes.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (expected.equals(close)) {
                return close;
            }
            if (close != null) {
                seen.add(close);
            }
        }
        return "within 5 s the endpoint saw " + seen;
    }

    /** On the dev server, which cannot carry an upgrade, the answer is 501 naming the dependency to add. */
    @Test
    void theHandshakeIsAnsweredWith101AndTheAcceptKeyOrOnTheDevServer501() throws IOException {
        try (RawWebSocket ws = RawWebSocket.open(port, "/echo")) {
            if (!carriesWebSockets()) {
                assertEquals(501, ws.status, ws.head);
                assertTrue(ws.body.contains("ferry-adapter-netty"), ws.body);
                return;
            }
            assertEquals(101, ws.status, ws.head);
            assertEquals(accept(ws.key), ws.header("Sec-WebSocket-Accept"), ws.head);
            assertTrue("websocket".equalsIgnoreCase(ws.header("Upgrade")), ws.head);
            assertTrue("upgrade".equalsIgnoreCase(ws.header("Connection")), ws.head);
        }
    }

    /**
     * No extension is negotiated, even when the client offers permessage-deflate, and the answer carries none
     * of the fields of drafts before RFC 6455 ({@code Sec-WebSocket-Location}, {@code Sec-WebSocket-Origin}).
     */
    @Test
    void offeredExtensionsAreDeclinedAndTheAnswerHasOnlyTheFieldsOfRfc6455() throws IOException {
        try (RawWebSocket ws = open("/echo", "Origin: http://127.0.0.1:" + port,
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-webkit-deflate-frame")) {
            assertEquals(101, ws.status, ws.head);
            for (String field : List.of("Sec-WebSocket-Extensions", "Sec-WebSocket-Location", "Sec-WebSocket-Origin",
                    "Sec-WebSocket-Protocol")) {
                assertNull(ws.header(field), field + " in " + ws.head);
            }
            ws.text("plain");
            assertEquals("plain", ws.read().text()); // read() fails on a frame with RSV1 (compressed)
        }
    }

    @Test
    void textAndBinaryAreEchoed() throws IOException {
        try (RawWebSocket ws = upgraded("/echo")) {
            ws.text("héllo, wörld");
            RawWebSocket.Frame text = ws.read();
            assertEquals(RawWebSocket.TEXT, text.opcode());
            assertEquals("héllo, wörld", text.text());
            byte[] bytes = new byte[3000];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) i;
            }
            ws.send(true, RawWebSocket.BINARY, bytes);
            RawWebSocket.Frame binary = ws.read();
            assertEquals(RawWebSocket.BINARY, binary.opcode());
            assertArrayEquals(bytes, binary.payload());
        }
    }

    @Test
    void aFragmentedMessageArrivesWhole() throws IOException {
        try (RawWebSocket ws = upgraded("/echo")) {
            byte[] euro = "€".getBytes(StandardCharsets.UTF_8); // split inside a character
            ws.send(false, RawWebSocket.TEXT, new byte[] {'a', euro[0]});
            ws.send(false, RawWebSocket.CONTINUATION, new byte[] {euro[1]});
            ws.send(true, RawWebSocket.PING, "mid".getBytes(StandardCharsets.UTF_8)); // control frames may interleave
            ws.send(true, RawWebSocket.CONTINUATION, new byte[] {euro[2], 'b'});
            RawWebSocket.Frame pong = ws.read();
            assertEquals(RawWebSocket.PONG, pong.opcode());
            assertEquals("mid", pong.text());
            RawWebSocket.Frame text = ws.read();
            assertEquals(RawWebSocket.TEXT, text.opcode());
            assertEquals("a€b", text.text());
        }
    }

    @Test
    void theJdkClientExchangesMessages() throws Exception {
        assumeTrue(carriesWebSockets(), "the dev server cannot carry an upgrade");
        LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
        CompletableFuture<String> closed = new CompletableFuture<>();
        java.net.http.WebSocket.Listener listener = new java.net.http.WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(java.net.http.WebSocket socket, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    received.add(text.toString());
                    text.setLength(0);
                }
                socket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(java.net.http.WebSocket socket, int code, String reason) {
                closed.complete(code + " " + reason);
                return null;
            }
        };
        try (HttpClient client = HttpClient.newHttpClient()) {
            java.net.http.WebSocket socket = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/echo"), listener).get(5, TimeUnit.SECONDS);
            for (int i = 0; i < 20; i++) {
                socket.sendText("message " + i, true).get(5, TimeUnit.SECONDS);
            }
            for (int i = 0; i < 20; i++) {
                assertEquals("message " + i, received.poll(5, TimeUnit.SECONDS));
            }
            socket.sendClose(1000, "done").get(5, TimeUnit.SECONDS);
            String answer = closed.get(5, TimeUnit.SECONDS);
            assertTrue(answer.startsWith("1000 "), answer); // the answer repeats the code; the reason is the server's
            assertEquals("1000 done", nextClose("1000 done"));
        }
    }

    /**
     * The handshake agrees on the first subprotocol in the client's list that the endpoint declared, answers with
     * it once, and tells the endpoint; a client offering none of them, or an endpoint declaring none, gets the
     * upgrade without one.
     */
    @Test
    void theSubprotocolIsTheClientsFirstChoiceThatTheEndpointSpeaks() throws IOException {
        record Offer(String target, List<String> fields, String agreed) {
        }
        List<Offer> offers = List.of(
                new Offer("/chat", List.of("Sec-WebSocket-Protocol: mqtt, v1.chat, v2.chat"), "v1.chat"),
                new Offer("/chat", List.of("Sec-WebSocket-Protocol: V2.CHAT,mqtt", "Sec-WebSocket-Protocol: v2.chat"),
                        "v2.chat"),
                new Offer("/chat", List.of("Sec-WebSocket-Protocol: mqtt"), null),
                new Offer("/chat", List.of(), null),
                new Offer("/echo", List.of("Sec-WebSocket-Protocol: v1.chat"), null));
        for (Offer offer : offers) {
            try (RawWebSocket ws = open(offer.target(), offer.fields().toArray(String[]::new))) {
                assertEquals(101, ws.status, ws.head);
                assertEquals(offer.agreed(), ws.header("Sec-WebSocket-Protocol"), offer + ": " + ws.head);
                assertEquals(offer.agreed() == null ? 0 : 1,
                        ws.head.toLowerCase(java.util.Locale.ROOT).split("sec-websocket-protocol:", -1).length - 1, ws.head);
                ws.text("subprotocol");
                assertEquals("[" + (offer.agreed() == null ? "" : offer.agreed()) + "]", ws.read().text(), offer.toString());
            }
        }
    }

    /**
     * An endpoint that compresses accepts the client's first permessage-deflate offer the server can carry out and
     * answers with it in one form on every server; an offer with an unknown, repeated or out-of-range parameter, or
     * asking for a server window under 15 bits, is declined. Agreed, a compressed message is echoed compressed.
     */
    @Test
    void permessageDeflateIsTheClientsFirstOfferTheServerCanCarryOut() throws IOException {
        record Offer(List<String> fields, String agreed) {
        }
        List<Offer> offers = List.of(
                new Offer(List.of("permessage-deflate"), "permessage-deflate"),
                new Offer(List.of("permessage-deflate; client_max_window_bits"), "permessage-deflate;client_max_window_bits=15"),
                new Offer(List.of("permessage-deflate; client_max_window_bits=\"10\""),
                        "permessage-deflate;client_max_window_bits=10"),
                new Offer(List.of("permessage-deflate; server_max_window_bits=10, permessage-deflate; server_max_window_bits=15"),
                        "permessage-deflate;server_max_window_bits=15"),
                new Offer(List.of("permessage-deflate; client_no_context_takeover; server_no_context_takeover"),
                        "permessage-deflate;server_no_context_takeover;client_no_context_takeover"),
                new Offer(List.of("x-webkit-deflate-frame", "permessage-deflate; client_max_window_bits=16, permessage-deflate"),
                        "permessage-deflate"),
                new Offer(List.of("permessage-deflate; server_no_context_takeover; server_no_context_takeover"), null),
                new Offer(List.of("permessage-deflate; server_max_window_bits"), null),
                new Offer(List.of("permessage-deflate; mystery"), null),
                new Offer(List.of("Permessage-Deflate"), null));
        for (Offer offer : offers) {
            List<String> fields = offer.fields().stream().map(f -> "Sec-WebSocket-Extensions: " + f).toList();
            try (RawWebSocket ws = open("/deflate", fields.toArray(String[]::new))) {
                assertEquals(101, ws.status, ws.head);
                assertEquals(offer.agreed(), ws.header("Sec-WebSocket-Extensions"), offer + ": " + ws.head);
                if (offer.agreed() == null) {
                    ws.text("plain");
                    assertEquals("plain", ws.read().text()); // read() fails on a frame with RSV1
                } else {
                    ws.compressed(RawWebSocket.TEXT, "squeezed, squeezed".getBytes(StandardCharsets.UTF_8),
                            new Deflater(Deflater.DEFAULT_COMPRESSION, true));
                    RawWebSocket.Frame echo = ws.read();
                    assertTrue(echo.rsv1() && echo.fin(), offer + ": " + echo);
                    assertEquals("squeezed, squeezed",
                            new String(RawWebSocket.inflate(new Inflater(true), echo.payload()), StandardCharsets.UTF_8));
                }
            }
        }
    }

    /**
     * Compressed messages keep their context between messages on both sides unless the client asked for
     * {@code server_no_context_takeover}: then each message the server sends inflates on its own. A message sent
     * uncompressed, or in fragments, is read as well; the limit counts inflated bytes (1009 past it).
     */
    @Test
    void compressedMessagesKeepOrDropTheirContextAsAgreedAndCountInflatedBytes() throws Exception {
        String message = "a message that repeats itself, ".repeat(20);
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        for (boolean noContext : new boolean[] {false, true}) {
            String offer = "Sec-WebSocket-Extensions: permessage-deflate" + (noContext ? "; server_no_context_takeover" : "");
            try (RawWebSocket ws = open("/deflate", offer)) {
                assertTrue(ws.deflated(), ws.head);
                Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
                Inflater inflater = new Inflater(true);
                ws.compressed(RawWebSocket.TEXT, bytes, deflater);
                ws.text(message); // uncompressed, between compressed ones
                ws.compressed(RawWebSocket.TEXT, bytes, deflater);
                byte[] second = RawWebSocket.deflate(deflater, bytes);
                ws.send(false, RawWebSocket.TEXT | 0x40, java.util.Arrays.copyOf(second, second.length / 2));
                ws.send(true, RawWebSocket.CONTINUATION, java.util.Arrays.copyOfRange(second, second.length / 2, second.length));
                for (int i = 0; i < 4; i++) {
                    RawWebSocket.Frame echo = ws.read();
                    assertTrue(echo.rsv1(), "the server compresses what it sends: " + echo);
                    byte[] inflated = RawWebSocket.inflate(noContext ? new Inflater(true) : inflater, echo.payload());
                    assertEquals(message, new String(inflated, StandardCharsets.UTF_8), "echo " + i + (noContext ? ", no context" : ""));
                }
                byte[] large = "z".repeat(MAX + 1).getBytes(StandardCharsets.UTF_8);
                ws.compressed(RawWebSocket.TEXT, large, deflater); // a few bytes on the wire
                RawWebSocket.Frame close = ws.read();
                assertEquals(RawWebSocket.CLOSE, close.opcode(), close.toString());
                assertEquals(1009, close.closeCode(), close.toString());
            }
        }
    }

    /**
     * A compressed message of 16 KiB on the wire that inflates to 16 MiB (a deflate bomb) closes with 1009, and the
     * server inflates little more than the limit to find that out: the heap all connections share is not spent on
     * one message (all threads of this JVM, the server's among them, allocate under 1 MiB meanwhile).
     */
    @Test
    void aCompressedMessageInflatesNoFurtherThanTheLimit() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (RawWebSocket ws = open("/deflate", "Sec-WebSocket-Extensions: permessage-deflate")) {
            assertTrue(ws.deflated(), ws.head);
            byte[] bomb = Bomb.BYTES;
            long before = threads.getTotalThreadAllocatedBytes();
            assertTrue(before >= 0, "this JVM does not count allocated bytes");
            sendQuietly(() -> ws.frame(0x80 | 0x40 | RawWebSocket.BINARY, true, bomb));
            RawWebSocket.Frame close = ws.read();
            long allocated = threads.getTotalThreadAllocatedBytes() - before;
            assertEquals(RawWebSocket.CLOSE, close.opcode(), close.toString());
            assertEquals(1009, close.closeCode(), close.toString());
            assertTrue(allocated < 1024 * 1024, allocated + " bytes allocated while a " + bomb.length
                    + "-byte message was refused");
        }
    }

    /** 16 MiB of zeros compressed, made once. */
    private static final class Bomb {
        static final byte[] BYTES = RawWebSocket.deflate(new Deflater(Deflater.BEST_COMPRESSION, true), new byte[16 << 20]);
    }

    /**
     * A client that floods pings and reads none of the pongs: the heap of the JVM the server runs in grows by under
     * 64 MiB (a server that queued every pong grew by hundreds), and the connection is gone within the idle timeout,
     * the close handshake's wait (5 s) and slack, whether the server cuts it off or stops reading and times it out.
     */
    @Test
    void aPingFloodFromAClientThatReadsNothingNeitherFillsTheHeapNorHoldsTheConnection() throws Exception {
        try (RawWebSocket ws = upgraded("/echo")) {
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < 1000; i++) { // masked with zeros, 125 bytes each: as large as a control frame goes
                batch.write(0x80 | RawWebSocket.PING);
                batch.write(0x80 | 125);
                batch.writeBytes(new byte[4 + 125]);
            }
            byte[] pings = batch.toByteArray();
            Runtime heap = Runtime.getRuntime();
            System.gc();
            long before = heap.totalMemory() - heap.freeMemory();
            var cut = new java.util.concurrent.CompletableFuture<IOException>();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 10_000; i++) { // 10 million pings
                        ws.raw(pings);
                    }
                } catch (IOException e) {
                    cut.complete(e);
                }
            });
            long deadline = System.nanoTime() + WS_IDLE.plusSeconds(5).plus(CLOSE_SLACK).toNanos();
            long grown = 0;
            try {
                while (!cut.isDone() && System.nanoTime() < deadline) {
                    Thread.sleep(500);
                    System.gc();
                    grown = Math.max(grown, heap.totalMemory() - heap.freeMemory() - before);
                    assertTrue(grown < 64 << 20, "the heap grew by " + grown + " bytes during the flood");
                }
            } finally {
                writer.interrupt();
            }
            assertTrue(cut.isDone(), "the flooding connection was still open after " + WS_IDLE.plusSeconds(5).plus(CLOSE_SLACK));
        }
    }

    /** Once permessage-deflate is agreed, RSV1 on a control frame, or RSV2, still fails with 1002. */
    @Test
    void rsvBitsThatTheAgreementDoesNotUseAreAProtocolError() throws IOException {
        rsvCase("RSV1 on a ping", ws -> sendQuietly(() -> ws.frame(0x80 | 0x40 | RawWebSocket.PING, true, new byte[0])));
        rsvCase("RSV2 on a text", ws -> sendQuietly(() -> ws.frame(0x80 | 0x20 | RawWebSocket.TEXT, true,
                "b".getBytes(StandardCharsets.UTF_8))));
    }

    /** RSV1 marks the first frame of a compressed message only: on a continuation it fails with 1002 (RFC 7692, section 6.1). */
    @Test
    void rsv1OnAContinuationIsAProtocolError() throws IOException {
        byte[] compressed = RawWebSocket.deflate(new Deflater(Deflater.DEFAULT_COMPRESSION, true),
                "x".getBytes(StandardCharsets.UTF_8));
        rsvCase("RSV1 on a continuation", ws -> sendQuietly(() -> ws.send(false, RawWebSocket.BINARY, new byte[] {1})
                .frame(0x80 | 0x40 | RawWebSocket.CONTINUATION, true, compressed)));
    }

    private void rsvCase(String name, java.util.function.Consumer<RawWebSocket> send) throws IOException {
        try (RawWebSocket ws = open("/deflate", "Sec-WebSocket-Extensions: permessage-deflate")) {
            assertTrue(ws.deflated(), ws.head);
            send.accept(ws);
            RawWebSocket.Frame close = ws.read();
            assertEquals(RawWebSocket.CLOSE, close.opcode(), name + ": " + close);
            assertEquals(1002, close.closeCode(), name + ": " + close);
        }
    }

    private interface Send {
        void run() throws IOException;
    }

    private static void sendQuietly(Send send) {
        try {
            send.run();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A {@code Sec-WebSocket-Extensions} field that is not a list of extensions with token parameters is 400 on every
     * server, the dev server included: the core refuses it before any server reads it.
     */
    @Test
    void anExtensionsFieldThatCannotBeReadIs400() throws IOException {
        for (String field : List.of("permessage-deflate; client_max_window_bits=\"1;0\"", "permessage-deflate; =15",
                "permessage-deflate; a b", "permessage deflate")) {
            try (RawWebSocket ws = RawWebSocket.open(port, "/deflate", "Sec-WebSocket-Extensions: " + field)) {
                assertEquals(400, ws.status, field + ": " + ws.head);
            }
        }
    }

    /** The JDK's client, which fails a handshake answered with a subprotocol it did not offer, agrees on one. */
    @Test
    void theJdkClientAgreesOnASubprotocol() throws Exception {
        assumeTrue(carriesWebSockets(), "the dev server cannot carry an upgrade");
        LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
        java.net.http.WebSocket.Listener listener = new java.net.http.WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(java.net.http.WebSocket socket, CharSequence data, boolean last) {
                received.add(data.toString());
                socket.request(1);
                return null;
            }
        };
        try (HttpClient client = HttpClient.newHttpClient()) {
            java.net.http.WebSocket socket = client.newWebSocketBuilder().subprotocols("v2.chat", "v1.chat")
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/chat"), listener).get(5, TimeUnit.SECONDS);
            assertEquals("v2.chat", socket.getSubprotocol());
            socket.sendText("subprotocol", true).get(5, TimeUnit.SECONDS);
            assertEquals("[v2.chat]", received.poll(5, TimeUnit.SECONDS));
            socket.sendClose(1000, "done").get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void pingsAreAnsweredAndTheEndpointCanPing() throws IOException {
        try (RawWebSocket ws = upgraded("/echo")) {
            ws.send(true, RawWebSocket.PING, "abc".getBytes(StandardCharsets.UTF_8));
            RawWebSocket.Frame pong = ws.read();
            assertEquals(RawWebSocket.PONG, pong.opcode());
            assertEquals("abc", pong.text());
            ws.text("ping");
            RawWebSocket.Frame ping = ws.read();
            assertEquals(RawWebSocket.PING, ping.opcode());
            assertArrayEquals(new byte[] {1, 2, 3}, ping.payload());
        }
    }

    @Test
    void aMessageOverTheLimitIsClosedWith1009() throws Exception {
        try (RawWebSocket ws = upgraded("/echo")) {
            ws.text("x".repeat(MAX));
            assertEquals(MAX, ws.read().payload().length);
            ws.text("x".repeat(MAX + 1));
            RawWebSocket.Frame close = ws.read();
            assertEquals(RawWebSocket.CLOSE, close.opcode(), close.toString());
            assertEquals(WebSocket.MESSAGE_TOO_BIG, close.closeCode());
            ws.close(WebSocket.MESSAGE_TOO_BIG, "");
            assertTrue(ws.closedWithin(CLOSE_SLACK), "the server closes the connection after the close handshake");
            assertEquals("1009 Message too big", nextClose("1009 Message too big"));
        }
        try (RawWebSocket ws = upgraded("/echo")) { // a message over the limit in small fragments
            for (int i = 0; i < 5; i++) {
                ws.send(false, i == 0 ? RawWebSocket.BINARY : RawWebSocket.CONTINUATION, new byte[1000]);
            }
            RawWebSocket.Frame close = ws.read();
            assertEquals(RawWebSocket.CLOSE, close.opcode(), close.toString());
            assertEquals(WebSocket.MESSAGE_TOO_BIG, close.closeCode());
        }
    }

    @Test
    void anOriginNotAllowedIs403BeforeTheUpgrade() throws IOException {
        try (RawWebSocket ws = open("/echo", "Origin: https://evil.example")) {
            assertEquals(403, ws.status, ws.head);
            assertTrue(ws.closedWithin(CLOSE_SLACK) || ws.header("Upgrade") == null);
        }
        try (RawWebSocket ws = open("/echo", "Origin: http://127.0.0.1:" + port)) {
            assertEquals(101, ws.status, ws.head);
        }
        try (RawWebSocket ws = open("/open", "Origin: https://app.example")) {
            assertEquals(101, ws.status, ws.head);
        }
        try (RawWebSocket ws = open("/open", "Origin: https://other.example")) {
            assertEquals(403, ws.status, ws.head);
        }
    }

    @Test
    void theUpgradePassesThroughTheAppsFilters() throws IOException {
        try (RawWebSocket ws = open("/guarded")) {
            assertEquals(401, ws.status, ws.head);
        }
        try (RawWebSocket ws = open("/guarded", "X-Token: yes")) {
            assertEquals(101, ws.status, ws.head);
        }
    }

    @Test
    void requestsThatAreNotUpgradesAreAnsweredAsTheRouterWould() throws IOException {
        assumeTrue(carriesWebSockets(), "the dev server cannot carry an upgrade");
        RawResponse plain = exchange(get("/echo"));
        assertEquals(426, plain.status());
        assertEquals("websocket", plain.header("Upgrade").orElse(null));
        assertEquals("13", plain.header("Sec-WebSocket-Version").orElse(null));
        assertEquals(405, exchange(request("POST", "/echo", "Content-Length: 0")).status());
        assertEquals(404, exchange(get("/nowhere")).status());
        try (RawWebSocket ws = open("/echo", "Sec-WebSocket-Version: 8")) {
            // a second version field: the request asks for 13 and 8, which is not 13 alone
            assertTrue(ws.status == 426 || ws.status == 400, ws.head);
        }
        String key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        try (RawWebSocket ws = RawWebSocket.request(port, "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Version: 8\r\n" + key + "\r\n")) {
            assertEquals(426, ws.status, ws.head);
            assertEquals("13", ws.header("Sec-WebSocket-Version"));
        }
        try (RawWebSocket ws = RawWebSocket.request(port, "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n\r\n")) {
            assertEquals(400, ws.status, ws.head);
        }
        try (RawWebSocket ws = RawWebSocket.request(port, "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                + "Connection: keep-alive\r\nSec-WebSocket-Version: 13\r\n" + key + "\r\n")) {
            assertEquals(400, ws.status, ws.head);
        }
    }

    @Test
    void theCloseHandshakeEitherWay() throws Exception {
        try (RawWebSocket ws = upgraded("/echo")) {
            ws.close(1000, "done");
            RawWebSocket.Frame close = ws.read();
            assertEquals(RawWebSocket.CLOSE, close.opcode(), close.toString());
            assertEquals(1000, close.closeCode());
            assertTrue(ws.closedWithin(CLOSE_SLACK), "the server closes the connection after answering a close");
            assertEquals("1000 done", nextClose("1000 done"));
        }
        try (RawWebSocket ws = upgraded("/echo")) {
            ws.text("bye");
            RawWebSocket.Frame close = ws.read();
            assertEquals(RawWebSocket.CLOSE, close.opcode(), close.toString());
            assertEquals(4000, close.closeCode());
            assertEquals("bye then", close.closeReason());
            ws.close(4000, "");
            assertTrue(ws.closedWithin(CLOSE_SLACK), "the server closes the connection once the close is answered");
            assertEquals("4000 bye then", nextClose("4000 bye then"));
        }
    }

    @Test
    void aClientThatLeavesWithoutClosingEndsTheSessionWith1006() throws Exception {
        try (RawWebSocket ws = upgraded("/echo")) {
            ws.text("hi");
            assertEquals("hi", ws.read().text());
        }
        assertEquals("1006 ", nextClose("1006 "));
    }

    @Test
    void anEndpointThatThrowsIsClosedWith1011() throws Exception {
        try (RawWebSocket ws = upgraded("/echo")) {
            ws.text("throw");
            RawWebSocket.Frame close = ws.read();
            assertEquals(RawWebSocket.CLOSE, close.opcode(), close.toString());
            assertEquals(WebSocket.INTERNAL_ERROR, close.closeCode());
            ws.close(WebSocket.INTERNAL_ERROR, "");
            assertTrue(ws.closedWithin(CLOSE_SLACK));
        }
    }

    static Stream<WebSocketProtocolCases.Case> protocolCases() {
        return WebSocketProtocolCases.all().stream();
    }

    /**
     * The protocol cases of {@link WebSocketProtocolCases}: the server's answer must be the case's
     * outcome, and the connection must end once the close handshake is done.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("protocolCases")
    void protocolCasesInTheMannerOfAutobahn(WebSocketProtocolCases.Case c) throws IOException {
        try (RawWebSocket ws = upgraded("/echo")) {
            String outcome = WebSocketProtocolCases.outcome(c, ws, CLOSE_SLACK);
            assertEquals(c.expected(), outcome, c.toString());
            try {
                ws.close(1000, ""); // the answer to the server's close, if it still reads
            } catch (IOException gone) {
                // it closed the connection already
            }
            assertTrue(ws.closedWithin(CLOSE_SLACK), c + ": the server ends the connection after its close frame");
        }
    }

    @Test
    void anIdleConnectionIsClosedWith1001() throws Exception {
        try (RawWebSocket ws = upgraded("/echo")) {
            long start = System.nanoTime();
            RawWebSocket.Frame close = ws.read(WS_IDLE.plus(CLOSE_SLACK));
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(RawWebSocket.CLOSE, close.opcode(), close.toString());
            assertEquals(WebSocket.GOING_AWAY, close.closeCode());
            assertTrue(waited >= WS_IDLE.toMillis() - 100, "closed after " + waited + " ms");
            ws.close(WebSocket.GOING_AWAY, "");
            assertTrue(ws.closedWithin(CLOSE_SLACK));
            assertEquals("1001 Idle timeout", nextClose("1001 Idle timeout"));
        }
    }

}
