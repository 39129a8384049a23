package dev.ferry.internal;

import dev.ferry.Body;
import dev.ferry.WebSocket;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The body of a {@code 101} response that accepts a WebSocket upgrade: it carries the endpoint to the
 * engine through the app's filters. It has no bytes to write.
 */
public final class WebSocketAccept implements Body.Writer {

    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private final WebSocket.Endpoint endpoint;
    private final String key;
    private final String subprotocol;
    private final boolean compress;
    private final dev.ferry.Request request;

    /**
     * Accepts the upgrade of this request, as its route saw it, whose {@code Sec-WebSocket-Key} is this, for the
     * endpoint, with the agreed subprotocol (empty for none), and whether the endpoint compresses when the client
     * offers it.
     */
    public WebSocketAccept(WebSocket.Endpoint endpoint, String key, String subprotocol, boolean compress,
                           dev.ferry.Request request) {
        this.endpoint = endpoint;
        this.key = key;
        this.subprotocol = subprotocol;
        this.compress = compress;
        this.request = request;
    }

    /** Returns the upgrade request as the route saw it, with its path parameters. */
    public dev.ferry.Request request() {
        return request;
    }

    /** Returns the endpoint to open. */
    public WebSocket.Endpoint endpoint() {
        return endpoint;
    }

    /** Returns the agreed subprotocol, or an empty string for none. */
    public String subprotocol() {
        return subprotocol;
    }

    /** Returns whether the endpoint compresses messages (permessage-deflate) when the client offers it. */
    public boolean compress() {
        return compress;
    }

    /** Returns the client's key. */
    public String key() {
        return key;
    }

    /** Returns the {@code Sec-WebSocket-Accept} value for the key (RFC 6455, section 4.2.2). */
    public String accept() {
        return accept(key);
    }

    /** Returns the {@code Sec-WebSocket-Accept} value for a key. */
    public static String accept(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        throw new IOException("a WebSocket upgrade has no body; only a server can carry it out");
    }
}
