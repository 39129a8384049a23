package dev.ferry.undertow.internal;

import dev.ferry.Handler;
import dev.ferry.server.Execution;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Dispatcher;
import dev.ferry.spi.WorkerBatch;
import dev.ferry.spi.HeadCheck;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.protocol.http.HttpOpenListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/** A Ferry app running on Undertow's HTTP/1.1 listener, with Ferry's limits, timeouts and shutdown. */
public final class UndertowServer implements Server {

    private final XnioWorker worker;
    private final AcceptingChannel<StreamConnection> acceptor;
    private final HttpOpenListener listener;
    private final Dispatcher dispatcher;
    private final ServerConfig config;
    private final String host;
    private final int port;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private UndertowServer(XnioWorker worker, AcceptingChannel<StreamConnection> acceptor, HttpOpenListener listener,
                           Dispatcher dispatcher, ServerConfig config, String host) {
        this.worker = worker;
        this.acceptor = acceptor;
        this.listener = listener;
        this.dispatcher = dispatcher;
        this.config = config;
        this.host = host;
        this.port = acceptor.getLocalAddress(InetSocketAddress.class).getPort();
    }

    /** Starts serving the app and returns once the port is bound. */
    public static UndertowServer start(Handler app, ServerConfig config) {
        String host = config.host().orElse("0.0.0.0");
        // one IO thread per core, as virtual threads have one carrier per core: a second IO thread on a
        // core only adds context switches between the threads that share it
        int ioThreads = Runtime.getRuntime().availableProcessors();
        XnioWorker worker = null;
        try {
            worker = Xnio.getInstance(Undertow.class.getClassLoader()).createWorker(OptionMap.builder()
                    .set(Options.WORKER_NAME, "ferry-undertow")
                    .set(Options.WORKER_IO_THREADS, ioThreads)
                    .set(Options.WORKER_TASK_CORE_THREADS, 2)
                    .set(Options.WORKER_TASK_MAX_THREADS, ioThreads * 2)
                    .set(Options.TCP_NODELAY, true)
                    .set(Options.CORK, true)
                    .getMap());
            Dispatcher dispatcher = Dispatcher.create(app, config);
            FerryHandler handler = new FerryHandler(dispatcher, handlerThreads(),
                    config.execution().orElse(Execution.VIRTUAL_THREADS) == Execution.IO_THREAD, config.idleTimeout().toNanos());
            HttpOpenListener listener = new HttpOpenListener(new BufferPool(),
                    undertowOptions(config));
            listener.setRootHandler(handler);
            ChannelListener<StreamConnection> guarded = connection -> {
                connection.getSourceChannel().setConduit(
                        new HeadGuard(connection.getSourceChannel().getConduit(), connection, config));
                listener.handleEvent(connection);
            };
            AcceptingChannel<StreamConnection> acceptor = worker.createStreamConnectionServer(
                    new InetSocketAddress(host, config.port()), ChannelListeners.openListenerAdapter(guarded),
                    OptionMap.builder()
                            .set(Options.REUSE_ADDRESSES, true)
                            .set(Options.TCP_NODELAY, true)
                            .set(Options.BACKLOG, 1024)
                            .set(Options.CONNECTION_HIGH_WATER, config.maxConnections())
                            .set(Options.CONNECTION_LOW_WATER, config.maxConnections())
                            .getMap());
            acceptor.resumeAccepts();
            return new UndertowServer(worker, acceptor, listener, dispatcher, config, host);
        } catch (IOException e) {
            if (worker != null) {
                worker.shutdownNow();
            }
            throw new UncheckedIOException("cannot listen on " + host + ":" + config.port(), e);
        }
    }

    /** Virtual threads for handlers; those an IO thread hands off in one turn of its loop start together. */
    private static Executor handlerThreads() {
        ThreadLocal<WorkerBatch> batches = new ThreadLocal<>();
        return task -> {
            if (Thread.currentThread() instanceof XnioIoThread io) {
                WorkerBatch batch = batches.get();
                if (batch == null) {
                    batch = new WorkerBatch(io::execute);
                    batches.set(batch);
                }
                batch.add(task);
            } else {
                WorkerBatch.start(task);
            }
        };
    }

    /** Maps Ferry's limits onto Undertow's options; the head limits themselves are enforced by {@link HeadGuard}. */
    static OptionMap undertowOptions(ServerConfig config) {
        int headerTimeout = (int) Math.min(Integer.MAX_VALUE, config.requestHeaderTimeout().toMillis());
        int idleTimeout = (int) Math.min(Integer.MAX_VALUE, config.idleTimeout().toMillis());
        return OptionMap.builder()
                .set(UndertowOptions.MAX_HEADER_SIZE, HeadCheck.maxHead(config) + 1024)
                .set(UndertowOptions.MAX_HEADERS, config.maxHeaderCount() + 8)
                .set(UndertowOptions.MAX_PARAMETERS, Math.max(config.maxRequestLine(), 1000))
                .set(UndertowOptions.MAX_ENTITY_SIZE, -1L)
                .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, headerTimeout)
                .set(UndertowOptions.NO_REQUEST_TIMEOUT, idleTimeout)
                .set(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, false)
                .set(UndertowOptions.ALLOW_UNESCAPED_CHARACTERS_IN_URL, true)
                .set(UndertowOptions.DECODE_URL, false)
                .set(UndertowOptions.ENABLE_HTTP2, false)
                .getMap();
    }

    @Override
    public String name() {
        return "undertow";
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public void stop(Duration grace) {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        // keep accepting while draining: a new connection gets a clean 503 + close, where closing the
        // listener first resets the connections still waiting in its backlog
        dispatcher.drain(grace);
        FerryHandler.closeQuietly(acceptor);
        listener.closeConnections();
        worker.shutdown();
        try {
            if (!worker.awaitTermination(2, TimeUnit.SECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(config.shutdownGrace());
    }

    @Override
    public String toString() {
        return "UndertowServer[" + host + ":" + port + "]";
    }
}
