package dev.ferry;

import dev.ferry.internal.Fields;
import dev.ferry.internal.WebSocketAccept;
import dev.ferry.internal.WebSocketExtensions;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * WebSocket endpoints (RFC 6455), the same on every server: route one with
 * {@code Router.builder().websocket("/chat", session -> listener)}, or with
 * {@code get("/chat", WebSocket.upgrade(endpoint).allowOrigins("https://app.example"))}.
 *
 * <p>The upgrade request is an ordinary request: it passes through the app's filters, so an
 * authentication filter can refuse it, and {@link Session#request()} keeps it. A request to the route
 * that is not a valid upgrade is refused before the endpoint runs: a {@code Sec-WebSocket-Version}
 * other than 13 alone or a missing {@code Upgrade: websocket} gets 426 with {@code Upgrade: websocket} and
 * {@code Sec-WebSocket-Version: 13}; another malformed handshake (not HTTP/1.1, not GET, no
 * {@code Connection: upgrade}, a key that is not 16 bytes in base64, a body, a {@code Sec-WebSocket-Extensions}
 * that is not a list of extensions with token parameters) gets 400; an
 * {@code Origin} that is not allowed gets 403.
 *
 * <p>Events reach the {@link Listener} one at a time, in order, on a virtual thread, so a listener may
 * block. A message longer than {@link dev.ferry.server.ServerConfig#maxWebSocketMessage()} closes the
 * connection with {@link #MESSAGE_TOO_BIG}; a connection without a frame either way for
 * {@link dev.ferry.server.ServerConfig#webSocketIdleTimeout()} is closed with {@link #GOING_AWAY}; a
 * listener that throws closes it with {@link #INTERNAL_ERROR}; a server that stops closes it with
 * {@link #GOING_AWAY}.
 */
public final class WebSocket {

    /** Close code 1000: the purpose of the connection is fulfilled. */
    public static final int NORMAL = 1000;
    /** Close code 1001: the server is going down, or the connection was idle too long. */
    public static final int GOING_AWAY = 1001;
    /** Close code 1002: the peer broke the protocol. */
    public static final int PROTOCOL_ERROR = 1002;
    /** Close code 1005, never sent: the close frame carried no code. */
    public static final int NO_CODE = 1005;
    /** Close code 1006, never sent: the connection ended without a close frame. */
    public static final int ABNORMAL = 1006;
    /** Close code 1009: a message was longer than the limit. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /** Close code 1011: the endpoint failed. */
    public static final int INTERNAL_ERROR = 1011;

    private static final Status UPGRADE_REQUIRED = new Status(426, "Upgrade Required");

    private WebSocket() {
    }

    /** Opens a session: called once the handshake is done, it returns the listener for the session's events. */
    @FunctionalInterface
    public interface Endpoint {
        /** Returns the listener for this new session; what it throws closes the session with 1011. */
        Listener open(Session session) throws Exception;
    }

    /**
     * The events of one session, delivered one at a time on a virtual thread; each method does nothing by
     * default. What a method throws closes the session with {@link #INTERNAL_ERROR}.
     */
    public interface Listener {
        /** A whole text message arrived. */
        default void text(String message) throws Exception {
        }

        /** A whole binary message arrived; the buffer is the listener's own. */
        default void binary(ByteBuffer message) throws Exception {
        }

        /** A pong arrived, such as the answer to {@link Session#ping}. */
        default void pong(ByteBuffer data) throws Exception {
        }

        /** The transport failed (a reset, a protocol error); {@link #closed} follows. */
        default void error(Throwable failure) {
        }

        /**
         * The session is over: the last event. When this side closed first (the endpoint, the size
         * limit, the idle timeout, a failure, a stop), the code and reason are the ones it sent, whether
         * or not the peer answered; otherwise the peer's ({@link #NO_CODE} when its close frame had
         * none), or {@link #ABNORMAL} when the connection ended without a close frame.
         */
        default void closed(int code, String reason) {
        }
    }

    /**
     * One WebSocket connection, safe to use from any thread. A send returns at once and completes once
     * the server has taken the frame; it fails once the session is closing. Sends go out in the order
     * they were made. Waiting for each one (for example {@code session.text(s).toCompletableFuture().join()}
     * on a virtual thread) is the back-pressure: a client that reads slowly then slows the sender.
     */
    public interface Session {
        /** Returns the upgrade request, with its path parameters and what the filters added. */
        Request request();

        /** Sends a text message. */
        CompletionStage<Void> text(String message);

        /** Sends a binary message of the buffer's remaining bytes. */
        CompletionStage<Void> binary(ByteBuffer message);

        /** Sends a ping with up to 125 bytes of data; the peer's pong reaches {@link Listener#pong}. */
        CompletionStage<Void> ping(ByteBuffer data);

        /**
         * Starts the close handshake with this code (1000 to 1003, 1007 to 1011, or 3000 to 4999) and a
         * reason of at most 123 UTF-8 bytes; completes once the close frame is sent.
         *
         * @throws IllegalArgumentException for a code or reason that cannot be sent
         */
        CompletionStage<Void> close(int code, String reason);

        /** Returns whether messages can still be sent: no close frame was sent or received. */
        boolean isOpen();

        /**
         * Returns the subprotocol agreed in the handshake ({@code Sec-WebSocket-Protocol}), or an empty string
         * when none was: the endpoint declared none, or the client offered none of them.
         */
        String subprotocol();
    }

    /** Returns the handler that upgrades valid requests to this endpoint, allowing same-origin and non-browser clients. */
    public static Upgrade upgrade(Endpoint endpoint) {
        return new Upgrade(Objects.requireNonNull(endpoint), List.of(), List.of(), false);
    }

    /**
     * The handler of a WebSocket route: it checks the handshake and origin and accepts the upgrade.
     * Without allowed origins, a request with an {@code Origin} is accepted only when the origin's host
     * and port are the request's {@code Host}; a request without {@code Origin} (not from a browser) is
     * accepted. Without declared subprotocols, none is agreed, whatever the client offers.
     */
    public static final class Upgrade implements Handler {
        private final Endpoint endpoint;
        private final List<String> origins;
        private final List<String> subprotocols;
        private final boolean compress;

        private Upgrade(Endpoint endpoint, List<String> origins, List<String> subprotocols, boolean compress) {
            this.endpoint = endpoint;
            this.origins = origins;
            this.subprotocols = subprotocols;
            this.compress = compress;
        }

        /**
         * Returns a copy that accepts exactly these origins, such as {@code https://app.example:8443}
         * (compared without case), or every origin for {@code *}; a request without {@code Origin} is
         * still accepted.
         */
        public Upgrade allowOrigins(String... origins) {
            return new Upgrade(endpoint, List.of(origins).stream().map(o -> o.toLowerCase(Locale.ROOT)).toList(),
                    subprotocols, compress);
        }

        /**
         * Returns a copy that speaks these subprotocols, such as {@code graphql-transport-ws}: the handshake
         * agrees on the first one in the client's {@code Sec-WebSocket-Protocol} list (its order of preference)
         * that is among them, compared with case, and answers with it; {@link Session#subprotocol()} tells the
         * endpoint which. A client that offers none of them still gets the upgrade, without a subprotocol.
         *
         * @throws IllegalArgumentException for a name that is not a token (RFC 6455, section 4.1)
         */
        public Upgrade subprotocols(String... names) {
            for (String name : names) {
                if (!Fields.isToken(name)) {
                    throw new IllegalArgumentException("a subprotocol's name is a token: '" + name + "'");
                }
            }
            return new Upgrade(endpoint, origins, List.of(names), compress);
        }

        /**
         * Returns a copy that compresses messages with permessage-deflate (RFC 7692) when the client offers it,
         * as browsers do: the handshake accepts the client's first offer the server can carry out, each side
         * compresses what it sends, and the message limit counts inflated bytes. Each compressing connection holds
         * a compressor and an inflater of about 300 KB of native memory for its life (a fresh context per message
         * only when the client asks with {@code server_no_context_takeover}).
         */
        public Upgrade compress() {
            return new Upgrade(endpoint, origins, subprotocols, true);
        }

        @Override
        public Response handle(Request request) {
            Headers headers = request.headers();
            String version = headers.firstOrNull("Sec-WebSocket-Version");
            if (!hasToken(headers.all("Upgrade"), "websocket") || version != null && !version.strip().equals("13")
                    || headers.all("Sec-WebSocket-Version").size() > 1) {
                return Errors.render(request, UPGRADE_REQUIRED, "This is a WebSocket endpoint; upgrade with "
                        + "Sec-WebSocket-Version: 13").withHeader("Upgrade", "websocket").withHeader("Sec-WebSocket-Version", "13");
            }
            String key = headers.firstOrNull("Sec-WebSocket-Key");
            String problem = !request.version().equals("HTTP/1.1") ? "a WebSocket handshake is an HTTP/1.1 request"
                    : !request.method().equals(Method.GET) ? "a WebSocket handshake is a GET request"
                    : !hasToken(headers.all("Connection"), "upgrade") ? "a WebSocket handshake needs Connection: upgrade"
                    : version == null ? "a WebSocket handshake needs Sec-WebSocket-Version: 13"
                    : headers.all("Sec-WebSocket-Key").size() != 1 || !validKey(key) ? "Sec-WebSocket-Key must be 16 bytes in base64"
                    : request.body().length() != 0 ? "a WebSocket handshake has no body"
                    : !extensionsReadable(headers) ? "Sec-WebSocket-Extensions must list extensions with token parameters"
                    : null;
            if (problem != null) {
                return Errors.render(request, Status.BAD_REQUEST, problem);
            }
            if (!originAllowed(request)) {
                return Errors.render(request, Status.FORBIDDEN, "This origin may not open a WebSocket here");
            }
            WebSocketAccept accept = new WebSocketAccept(endpoint, key.strip(), agreedSubprotocol(headers), compress, request);
            return Response.of(Status.SWITCHING_PROTOCOLS).withBody(Body.streamed(accept));
        }

        private static boolean extensionsReadable(Headers headers) {
            try {
                WebSocketExtensions.parse(headers.all("Sec-WebSocket-Extensions"));
                return true;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }

        private String agreedSubprotocol(Headers headers) {
            if (subprotocols.isEmpty()) {
                return "";
            }
            for (String value : headers.all("Sec-WebSocket-Protocol")) {
                for (String offered : value.split(",")) {
                    if (subprotocols.contains(offered.strip())) {
                        return offered.strip();
                    }
                }
            }
            return "";
        }

        private boolean originAllowed(Request request) {
            List<String> sent = request.headers().all("Origin");
            if (sent.isEmpty()) {
                return true;
            }
            if (sent.size() > 1) {
                return false;
            }
            String origin = sent.get(0).strip().toLowerCase(Locale.ROOT);
            if (!origins.isEmpty()) {
                return origins.contains("*") || origins.contains(origin);
            }
            String host = request.headers().firstOrNull("Host");
            int scheme = origin.indexOf("://");
            if (host == null || scheme < 0) {
                return false;
            }
            String authority = origin.substring(scheme + 3);
            String expected = host.strip().toLowerCase(Locale.ROOT);
            String defaultPort = origin.startsWith("https://") ? ":443" : origin.startsWith("http://") ? ":80" : null;
            return authority.equals(expected) || defaultPort != null
                    && (authority.equals(expected + defaultPort) || (authority + defaultPort).equals(expected));
        }

        private static boolean validKey(String key) {
            if (key == null) {
                return false;
            }
            try {
                return Base64.getDecoder().decode(key.strip()).length == 16;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }

        private static boolean hasToken(List<String> values, String token) {
            for (String value : values) {
                for (String part : value.split(",")) {
                    if (part.strip().equalsIgnoreCase(token)) {
                        return true;
                    }
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return "WebSocket.upgrade(" + endpoint + (origins.isEmpty() ? "" : ", origins " + origins)
                    + (subprotocols.isEmpty() ? "" : ", subprotocols " + subprotocols)
                    + (compress ? ", compressed" : "") + ")";
        }
    }
}
