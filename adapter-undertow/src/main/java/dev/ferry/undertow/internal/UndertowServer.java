package dev.ferry.undertow.internal;

import dev.ferry.Handler;
import dev.ferry.server.Execution;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Engine;
import dev.ferry.spi.HeadCheck;
import dev.ferry.spi.ResetLimit;
import dev.ferry.spi.TlsContext;
import dev.ferry.spi.WorkerBatch;
import io.undertow.UndertowOptions;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.protocol.http.HttpOpenListener;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/** A Ferry app on Undertow's HTTP/1.1 listener and HTTP/2 support, every request served by the core's {@link Engine}. */
public final class UndertowServer implements Server {

    private final ServerConfig config;
    private final Engine engine;
    private final XnioWorker worker;
    private final AcceptingChannel<StreamConnection> acceptor;
    private final Http2Connections http2;
    private final int port;

    /** Starts serving the app and returns once the port is bound. */
    public UndertowServer(Handler app, ServerConfig config) {
        this.config = config;
        this.engine = Engine.create(app, config);
        String host = config.host().orElse("0.0.0.0");
        // head limits above the check's, no body limit but the core's, Undertow's timers for a begun head and an
        // idle connection, the target as sent
        HttpOpenListener listener = new HttpOpenListener(new DefaultByteBufferPool(true, 16384, 1024, 4), OptionMap.builder()
                .set(UndertowOptions.MAX_HEADER_SIZE, HeadCheck.maxHead(config) + 1024)
                .set(UndertowOptions.MAX_HEADERS, config.maxHeaderCount() + 8)
                .set(UndertowOptions.MAX_PARAMETERS, Math.max(config.maxRequestLine(), 1000))
                .set(UndertowOptions.MAX_ENTITY_SIZE, -1L)
                .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, (int) Math.min(Integer.MAX_VALUE, config.requestHeaderTimeout().toMillis()))
                .set(UndertowOptions.NO_REQUEST_TIMEOUT, (int) Math.min(Integer.MAX_VALUE, config.idleTimeout().toMillis()))
                .set(UndertowOptions.ALWAYS_SET_DATE, false).set(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, false)
                .set(UndertowOptions.ALLOW_UNESCAPED_CHARACTERS_IN_URL, true).set(UndertowOptions.DECODE_URL, false)
                // HTTP/2: the limits as settings, no push, rapid reset (CVE-2023-44487) by the core's ResetLimit
                .set(UndertowOptions.HTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, config.http2MaxStreams())
                .set(UndertowOptions.HTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, config.maxHeaderBytes())
                .set(UndertowOptions.HTTP2_SETTINGS_ENABLE_PUSH, false)
                .set(UndertowOptions.MAX_RST_FRAMES_PER_WINDOW, ResetLimit.MAX_RESETS)
                .set(UndertowOptions.RST_FRAMES_TIME_WINDOW, (int) ResetLimit.WINDOW.toMillis())
                .getMap());
        ThreadLocal<WorkerBatch> batches = ThreadLocal.withInitial(() -> new WorkerBatch(XnioIoThread.requireCurrentThread()::execute));
        boolean inline = config.execution().orElse(Execution.VIRTUAL_THREADS) == Execution.IO_THREAD;
        listener.setRootHandler(http -> {
            UndertowExchange exchange = new UndertowExchange(http, config);
            // inline only on the IO thread: a pipelined request that Undertow starts on the thread that ended the one
            // before is dispatched, else Undertow would end it when this returns, before its response is sent
            if (inline && http.isRequestComplete() && http.isInIoThread()) {
                engine.serve(exchange);
            } else {
                // a virtual thread; those an IO thread hands off in one turn of its loop start together
                http.dispatch(http.isInIoThread() ? batches.get()::add : WorkerBatch::start, () -> engine.serve(exchange));
            }
        });
        // one IO thread per core, as there is one carrier thread per core: more only add context switches
        // TLS wraps each accepted connection; the head check's conduit then sits on the decrypted stream
        UndertowXnioSsl tls = config.tls().map(t -> new UndertowXnioSsl(Xnio.getInstance(), OptionMap.EMPTY, TlsContext.create(t, config.http2()))).orElse(null);
        this.http2 = config.http2() ? new Http2Connections(listener, config.idleTimeout()) : null;
        this.worker = Xnio.getInstance().createWorkerBuilder().setWorkerIoThreads(Runtime.getRuntime().availableProcessors()).build();
        try {
            this.acceptor = worker.createStreamConnectionServer(new InetSocketAddress(host, config.port()),
                    ChannelListeners.openListenerAdapter(accepted -> {
                        StreamConnection connection = tls == null ? accepted : tls.wrapExistingConnection(accepted, OptionMap.EMPTY, false);
                        HeadGuard guard = new HeadGuard(connection, config);
                        connection.getSourceChannel().setConduit(guard);
                        if (http2 == null) {
                            listener.handleEvent(connection);
                        } else {
                            http2.accept(connection, guard);
                        }
                    }), OptionMap.builder()
                            .set(Options.REUSE_ADDRESSES, true).set(Options.TCP_NODELAY, true).set(Options.BACKLOG, 1024)
                            .set(Options.CONNECTION_HIGH_WATER, config.maxConnections())
                            .set(Options.CONNECTION_LOW_WATER, config.maxConnections())
                            .getMap());
            this.port = acceptor.getLocalAddress(InetSocketAddress.class).getPort();
            acceptor.resumeAccepts();
        } catch (IOException e) {
            worker.shutdownNow();
            throw Engine.cannotListen(host, config.port(), e);
        }
    }

    @Override
    public String name() {
        return "undertow";
    }

    @Override
    public String host() {
        return config.host().orElse("0.0.0.0");
    }

    @Override
    public int port() {
        return port;
    }

    /**
     * Stops in the engine's one sequence, HTTP/2 clients told by GOAWAY as it begins and again before the close; the
     * worker's shutdown closes every connection once its queued tasks ran.
     */
    @Override
    public synchronized void stop(Duration grace) {
        if (!worker.isShutdown()) {
            if (http2 != null) {
                http2.stopping();
            }
            engine.stop(grace, () -> IoUtils.safeClose(acceptor), () -> {
                if (http2 != null) {
                    http2.close();
                }
                worker.shutdown();
            });
        }
    }

    @Override
    public void close() {
        stop(config.shutdownGrace());
    }
}
