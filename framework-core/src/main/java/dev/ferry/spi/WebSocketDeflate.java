package dev.ferry.spi;

import dev.ferry.internal.WebSocketExtensions;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The permessage-deflate extension (RFC 7692) as the core agreed to it in a WebSocket handshake, for an endpoint
 * that compresses. The adapter has its server compress what it sends (a fresh context for each message when
 * {@link #serverNoContextTakeover()}) and inflate the messages that arrive with RSV1 set, limiting their inflated
 * size to the message limit. Windows are 15 bits, the only size the JDK's {@code Deflater} has: an offer that asks
 * the server for a smaller one is declined, and a client's smaller window inflates with a larger one.
 */
public final class WebSocketDeflate {

    /** The extension's name. */
    public static final String NAME = "permessage-deflate";

    private static final String SERVER_NO_CONTEXT = "server_no_context_takeover";
    private static final String CLIENT_NO_CONTEXT = "client_no_context_takeover";
    private static final String SERVER_MAX_WINDOW = "server_max_window_bits";
    private static final String CLIENT_MAX_WINDOW = "client_max_window_bits";

    private final boolean serverNoContextTakeover;
    private final boolean clientNoContextTakeover;
    private final int serverMaxWindowBits;
    private final int clientMaxWindowBits;

    private WebSocketDeflate(boolean serverNoContextTakeover, boolean clientNoContextTakeover, int serverMaxWindowBits,
                             int clientMaxWindowBits) {
        this.serverNoContextTakeover = serverNoContextTakeover;
        this.clientNoContextTakeover = clientNoContextTakeover;
        this.serverMaxWindowBits = serverMaxWindowBits;
        this.clientMaxWindowBits = clientMaxWindowBits;
    }

    /** Returns whether the server starts each message it sends with a fresh compression context. */
    public boolean serverNoContextTakeover() {
        return serverNoContextTakeover;
    }

    /** Returns whether the client starts each message it sends with a fresh compression context. */
    public boolean clientNoContextTakeover() {
        return clientNoContextTakeover;
    }

    /** Returns the answer's parameters in the order it names them, each a name and its value (null for none). */
    public List<Map.Entry<String, String>> parameters() {
        List<Map.Entry<String, String>> parameters = new ArrayList<>(4);
        if (serverNoContextTakeover) {
            parameters.add(entry(SERVER_NO_CONTEXT, null));
        }
        if (serverMaxWindowBits > 0) {
            parameters.add(entry(SERVER_MAX_WINDOW, Integer.toString(serverMaxWindowBits)));
        }
        if (clientNoContextTakeover) {
            parameters.add(entry(CLIENT_NO_CONTEXT, null));
        }
        if (clientMaxWindowBits > 0) {
            parameters.add(entry(CLIENT_MAX_WINDOW, Integer.toString(clientMaxWindowBits)));
        }
        return List.copyOf(parameters);
    }

    private static Map.Entry<String, String> entry(String name, String value) {
        return new AbstractMap.SimpleImmutableEntry<>(name, value);
    }

    /**
     * Returns the answer's {@code Sec-WebSocket-Extensions} value, such as
     * {@code permessage-deflate;client_max_window_bits=15}.
     */
    public String header() {
        StringBuilder header = new StringBuilder(NAME);
        for (Map.Entry<String, String> parameter : parameters()) {
            header.append(';').append(parameter.getKey());
            if (parameter.getValue() != null) {
                header.append('=').append(parameter.getValue());
            }
        }
        return header.toString();
    }

    /**
     * Returns the first permessage-deflate offer among the client's that the server can accept, or null for none.
     * An offer with a parameter that is unknown, repeated, or without its value's form is declined, and so is one
     * asking for a server window under 15 bits (RFC 7692, section 5.1).
     */
    static WebSocketDeflate agree(List<WebSocketExtensions.Offer> offers) {
        for (WebSocketExtensions.Offer offer : offers) {
            WebSocketDeflate agreed = offer.name().equals(NAME) ? accept(offer.parameters()) : null;
            if (agreed != null) {
                return agreed;
            }
        }
        return null;
    }

    private static WebSocketDeflate accept(List<Map.Entry<String, String>> parameters) {
        boolean serverNoContext = false;
        boolean clientNoContext = false;
        int serverWindow = -1;
        int clientWindow = -1;
        for (Map.Entry<String, String> parameter : parameters) {
            String value = parameter.getValue();
            switch (parameter.getKey()) {
                case SERVER_NO_CONTEXT -> {
                    if (serverNoContext || value != null) {
                        return null;
                    }
                    serverNoContext = true;
                }
                case CLIENT_NO_CONTEXT -> {
                    if (clientNoContext || value != null) {
                        return null;
                    }
                    clientNoContext = true;
                }
                case SERVER_MAX_WINDOW -> {
                    if (serverWindow > 0 || windowBits(value) != 15) {
                        return null; // a smaller window than the JDK's 15 bits, or no valid value
                    }
                    serverWindow = 15;
                }
                case CLIENT_MAX_WINDOW -> {
                    int bits = value == null ? 15 : windowBits(value);
                    if (clientWindow > 0 || bits < 0) {
                        return null;
                    }
                    clientWindow = bits;
                }
                default -> {
                    return null;
                }
            }
        }
        return new WebSocketDeflate(serverNoContext, clientNoContext, serverWindow, clientWindow);
    }

    /** Returns the window size of 8 to 15 bits the value names, or -1. */
    private static int windowBits(String value) {
        boolean digits = value != null && !value.isEmpty() && value.length() <= 2
                && value.chars().allMatch(c -> c >= '0' && c <= '9');
        if (!digits) {
            return -1;
        }
        int bits = Integer.parseInt(value);
        return bits >= 8 && bits <= 15 ? bits : -1;
    }

    @Override
    public String toString() {
        return header();
    }
}
