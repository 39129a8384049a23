package dev.ferry.tomcat.internal;

import dev.ferry.spi.WebSocketDeflate;
import dev.ferry.spi.WebSocketEvents;
import dev.ferry.spi.WebSocketTransport;
import dev.ferry.spi.WebSocketUpgrade;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.Extension;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.tomcat.websocket.WsIOException;
import org.apache.tomcat.websocket.WsSession;

/**
 * One WebSocket connection on Tomcat's own support (tomcat-embed-websocket, the Jakarta WebSocket API): the
 * container performs the handshake through {@link ServerContainer#upgradeHttpToWebSocket}, buffers whole
 * messages up to the limit (closing with 1009 itself past it), answers pings and the peer's close frame.
 *
 * <p>Frames go out through Tomcat's blocking sends, each on a thread of {@link #SENDS}. Its non-blocking ones
 * race its own close frame: when its reader closes the session over a broken or oversized message, it first
 * fails the non-blocking write in progress, which lets the close frame's header be written into the buffer that
 * write still holds. The header was then lost on the wire, and the client read the close frame's payload as a
 * frame header. A blocking send is never failed that way: the close frame waits for it.
 */
final class TomcatWebSocket extends Endpoint implements WebSocketTransport {

    /** The servlet context attribute under which a container offers its WebSocket support. */
    static final String CONTAINER = ServerContainer.class.getName();

    /**
     * How long Tomcat's own close frame waits for a send in progress (its default is 50 ms, after which it drops
     * the close frame and cuts the connection); {@link #abort} shortens it to nothing.
     */
    private static final String CLOSE_WAIT = "org.apache.tomcat.websocket.ABNORMAL_SESSION_CLOSE_SEND_TIMEOUT";
    private static final long CLOSE_WAIT_MILLIS = 2_000;

    /**
     * Platform threads for the blocking sends, at most one per session at a time (the core sends one frame after
     * another): Tomcat blocks in {@code Object.wait}, which holds a virtual thread's carrier on JDK 21.
     */
    private static final ExecutorService SENDS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), task -> {
                Thread thread = new Thread(task, "ferry-websocket-send");
                thread.setDaemon(true);
                thread.setContextClassLoader(TomcatWebSocket.class.getClassLoader()); // not the web application's
                return thread;
            });

    private final WebSocketUpgrade upgrade;
    private volatile Session session;
    private WebSocketEvents events;
    private boolean ended;
    private volatile boolean closeRequested;
    private volatile boolean closedByTomcat; // Tomcat's reader sent a close frame of its own (1002, 1007, 1009)

    private TomcatWebSocket(WebSocketUpgrade upgrade) {
        this.upgrade = upgrade;
    }

    /** Has the container answer the handshake with the head's fields and start a session for the upgrade. */
    static void upgrade(ServerContainer container, Object request, Object response, WebSocketUpgrade upgrade) throws IOException {
        TomcatWebSocket endpoint = new TomcatWebSocket(upgrade);
        ServerEndpointConfig config = ServerEndpointConfig.Builder.create(TomcatWebSocket.class, "/")
                .configurator(new ServerEndpointConfig.Configurator() {
                    @Override
                    public <T> T getEndpointInstance(Class<T> type) {
                        return type.cast(endpoint);
                    }

                    @Override
                    public List<Extension> getNegotiatedExtensions(List<Extension> installed, List<Extension> requested) {
                        // what the core agreed, or none: Tomcat alone would offer permessage-deflate to every endpoint
                        return upgrade.deflate().map(TomcatWebSocket::extension).stream().toList();
                    }

                    @Override
                    public boolean checkOrigin(String origin) {
                        return true; // the core checked it before the app accepted the upgrade
                    }

                    @Override
                    public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request, HandshakeResponse answer) {
                        Map<String, List<String>> fields = answer.getHeaders();
                        upgrade.head().forEachAppField((name, value) -> {
                            // Tomcat writes these itself, the extension from the agreement it was given
                            if (!name.equalsIgnoreCase("Upgrade") && !name.equalsIgnoreCase("Sec-WebSocket-Accept")
                                    && !name.equalsIgnoreCase("Sec-WebSocket-Extensions")) {
                                fields.computeIfAbsent(name, key -> new ArrayList<>()).add(value);
                            }
                        });
                    }
                }).build();
        try {
            container.upgradeHttpToWebSocket(request, response, config, Map.of());
        } catch (jakarta.websocket.DeploymentException e) {
            throw new IOException(e);
        }
    }

    /** The core's permessage-deflate agreement as the one extension Tomcat is to carry out. */
    private static Extension extension(WebSocketDeflate agreed) {
        List<Extension.Parameter> parameters = new ArrayList<>();
        for (Map.Entry<String, String> parameter : agreed.parameters()) {
            parameters.add(new Extension.Parameter() {
                @Override
                public String getName() {
                    return parameter.getKey();
                }

                @Override
                public String getValue() {
                    return parameter.getValue();
                }
            });
        }
        return new Extension() {
            @Override
            public String getName() {
                return WebSocketDeflate.NAME;
            }

            @Override
            public List<Parameter> getParameters() {
                return parameters;
            }
        };
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        this.session = session;
        int max = upgrade.maxMessageSize();
        session.setMaxTextMessageBufferSize(max);
        session.setMaxBinaryMessageBufferSize(max);
        session.setMaxIdleTimeout(0); // the core runs the idle timeout
        session.getUserProperties().put(CLOSE_WAIT, CLOSE_WAIT_MILLIS);
        events = upgrade.open(this);
        session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> events.text(text));
        session.addMessageHandler(ByteBuffer.class, (MessageHandler.Whole<ByteBuffer>) bytes -> events.binary(copy(bytes)));
        session.addMessageHandler(PongMessage.class,
                (MessageHandler.Whole<PongMessage>) pong -> events.pong(copy(pong.getApplicationData())));
    }

    @Override
    public void onClose(Session session, CloseReason reason) {
        int code = reason.getCloseCode().getCode();
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
        }
        if (code == CloseReason.CloseCodes.CLOSED_ABNORMALLY.getCode()) {
            events.ended(null);
        } else if (code == 1009 && !closeRequested) {
            // Tomcat closes with 1009 itself when a message passes the buffer it was given, and reports it like a
            // peer's close frame; a peer's own 1009 is taken for the same (this side then reports the limit). The
            // core's close that follows must not go out: a second close frame written while Tomcat writes its own
            // reached a client interleaved with it
            closedByTomcat = true;
            events.tooLarge();
            events.ended(null);
        } else {
            events.closed(code, reason.getReasonPhrase() == null ? "" : reason.getReasonPhrase());
            events.ended(null);
        }
    }

    @Override
    public void onError(Session session, Throwable failure) {
        if (failure instanceof WsIOException broken) {
            closedByTomcat = true; // Tomcat closes with the exception's code itself; the core records why the session ends
            int code = broken.getCloseReason().getCloseCode().getCode();
            if (code == 1009) {
                events.tooLarge();
            } else {
                events.protocolError(code, failure);
            }
        } else if (events != null) {
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
            }
            events.ended(failure);
        }
    }

    private static ByteBuffer copy(ByteBuffer buffer) {
        ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
        return copy.put(buffer.duplicate()).flip();
    }

    @Override
    public CompletionStage<Void> text(String message) {
        return blocking(() -> session.getBasicRemote().sendText(message));
    }

    @Override
    public CompletionStage<Void> binary(ByteBuffer message) {
        ByteBuffer copy = copy(message);
        return blocking(() -> session.getBasicRemote().sendBinary(copy));
    }

    @Override
    public CompletionStage<Void> ping(ByteBuffer data) {
        ByteBuffer copy = copy(data);
        return blocking(() -> session.getBasicRemote().sendPing(copy));
    }

    @Override
    public CompletionStage<Void> close(int code, String reason) {
        if (closedByTomcat) {
            // Tomcat's reader is sending its own close frame; a second one from here races it
            return CompletableFuture.completedFuture(null);
        }
        closeRequested = true;
        CloseReason why = new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason);
        return blocking(() -> session.close(why));
    }

    @Override
    public void abort() {
        session.getUserProperties().put(CLOSE_WAIT, 1L); // a send in progress is not waited for
        try {
            session.close(new CloseReason(CloseReason.CloseCodes.GOING_AWAY, ""));
        } catch (IOException | RuntimeException e) {
            // already closing
        }
    }

    @Override
    public void reading(boolean on) {
        if (session instanceof WsSession tomcat) {
            if (on) {
                tomcat.resume();
            } else {
                tomcat.suspend();
            }
        }
    }

    private interface Blocking {
        void run() throws IOException;
    }

    private static CompletionStage<Void> blocking(Blocking action) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        SENDS.execute(() -> {
            try {
                action.run();
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }
}
