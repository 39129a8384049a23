package dev.ferry.tomcat;

import dev.ferry.Handler;
import dev.ferry.server.Execution;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.tomcat.internal.ErrorValve;
import dev.ferry.tomcat.internal.Files2;
import dev.ferry.tomcat.internal.Http11Protocol;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.connector.RequestFacade;
import org.apache.catalina.connector.ResponseFacade;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.modeler.Registry;
import org.apache.coyote.ActionCode;
import org.apache.coyote.ActionHook;
import org.apache.coyote.http11.Http11Processor;
import org.apache.tomcat.util.buf.ByteChunk;
import org.apache.tomcat.util.http.MimeHeaders;

/**
 * Ferry apps on an embedded Tomcat: one app at the root, as {@link dev.ferry.server.Ferry#serve} starts
 * it, or several apps in one server, each in its own servlet context at its own context path.
 *
 * <p>The connector takes every limit of the {@link ServerConfig}: the request line and header limits
 * (Tomcat's single {@code maxHttpRequestHeaderSize} buffer holds both, and Ferry checks each limit
 * exactly), {@code connectionTimeout} from the request header timeout, {@code keepAliveTimeout} from
 * the idle timeout and {@code maxConnections}. {@code maxKeepAliveRequests} is unlimited, as on the
 * other servers: the idle timeout bounds a keep-alive connection, not a request count. Handlers run on
 * virtual threads ({@code useVirtualThreads}); {@link Execution#IO_THREAD} runs them on Tomcat's
 * platform worker pool, since Tomcat never runs a servlet on its poller. Every error Tomcat answers by
 * itself is written as Ferry's plain-text error, never Tomcat's HTML page.
 */
public final class TomcatServer implements Server {

    private static final System.Logger LOG = System.getLogger("dev.ferry.tomcat");
    private static final Logger TOMCAT_LOG = Logger.getLogger("org.apache");
    private static final int MAX_SWALLOW = 2 * 1024 * 1024;

    private final Tomcat tomcat;
    private final Connector connector;
    private final List<FerryServlet> servlets;
    private final ServerConfig config;
    private final Path base;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private boolean stopping;
    private long deadline;

    private TomcatServer(Tomcat tomcat, Connector connector, List<FerryServlet> servlets, ServerConfig config,
                         Path base) {
        this.tomcat = tomcat;
        this.connector = connector;
        this.servlets = servlets;
        this.config = config;
        this.base = base;
    }

    /** Returns a builder for a server holding one or more apps. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts one app at the root context with these settings. */
    public static TomcatServer start(Handler app, ServerConfig config) {
        return builder().config(config).app("", app).start();
    }

    @Override
    public String name() {
        return "tomcat";
    }

    @Override
    public String host() {
        return config.host().orElse("0.0.0.0");
    }

    @Override
    public int port() {
        return connector.getLocalPort();
    }

    /**
     * Stops gracefully: the listener closes, requests still arriving on open connections get 503 with
     * {@code Connection: close}, requests in flight may finish until the grace period ends, then
     * Tomcat stops and closes every connection. A second call with a shorter grace shortens the wait.
     */
    @Override
    public void stop(Duration grace) {
        long wanted = System.nanoTime() + grace.toNanos();
        boolean first;
        synchronized (this) {
            first = !stopping;
            deadline = first ? wanted : Math.min(deadline, wanted);
            stopping = true;
        }
        if (!first) {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            servlets.forEach(servlet -> servlet.dispatcher().beginShutdown());
            connector.getProtocolHandler().closeServerSocketGraceful();
            while (servlets.stream().anyMatch(servlet -> servlet.dispatcher().inFlight() > 0)
                    && System.nanoTime() - deadline < 0) {
                Thread.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                tomcat.stop();
                tomcat.destroy();
            } catch (LifecycleException e) {
                LOG.log(System.Logger.Level.WARNING, "Tomcat did not stop cleanly", e);
            } finally {
                Files2.deleteTree(base);
                stopped.countDown();
            }
        }
    }

    @Override
    public void close() {
        stop(config.shutdownGrace());
    }

    /** Collects the apps and settings of one embedded Tomcat. */
    public static final class Builder {
        private ServerConfig config = ServerConfig.defaults();
        private final Map<String, Handler> apps = new LinkedHashMap<>();

        private Builder() {
        }

        /** Sets the listening address, limits, timeouts and execution; the defaults otherwise. */
        public Builder config(ServerConfig config) {
            this.config = config;
            return this;
        }

        /**
         * Deploys an app in its own servlet context at this context path: {@code ""} or {@code "/"} for
         * the root, otherwise a path such as {@code /shop}.
         */
        public Builder app(String contextPath, Handler app) {
            String path = contextPath.equals("/") ? "" : contextPath;
            if (!path.isEmpty() && (!path.startsWith("/") || path.endsWith("/"))) {
                throw new IllegalArgumentException("a context path is empty or starts and does not end with '/': " + contextPath);
            }
            if (apps.putIfAbsent(path, app) != null) {
                throw new IllegalArgumentException("two apps at the context path '" + path + "'");
            }
            return this;
        }

        /**
         * Starts Tomcat and returns once it listens.
         *
         * @throws UncheckedIOException when it cannot bind
         */
        public TomcatServer start() {
            if (apps.isEmpty()) {
                throw new IllegalStateException("no app to serve");
            }
            if (TOMCAT_LOG.getLevel() == null) {
                TOMCAT_LOG.setLevel(Level.WARNING);
            }
            Path base;
            try {
                base = Files.createTempDirectory("ferry-tomcat");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // no JMX MBeans: registering them parses Tomcat's XML descriptors, which dominates start-up
            Registry.disableRegistry();
            Tomcat tomcat = new Tomcat();
            tomcat.setBaseDir(base.toString());
            Connector connector = connector(config);
            tomcat.getService().addConnector(connector);
            tomcat.setConnector(connector);
            StandardHost host = (StandardHost) tomcat.getHost();
            host.setAutoDeploy(false);
            host.setErrorReportValveClass(ErrorValve.class.getName());
            host.getPipeline().addValve(new ErrorValve());
            List<FerryServlet> servlets = new ArrayList<>();
            apps.forEach((path, app) -> servlets.add(deploy(tomcat, path, app, config)));
            try {
                tomcat.start();
            } catch (LifecycleException e) {
                stopQuietly(tomcat, base);
                Throwable cause = e;
                while (cause != null && !(cause instanceof BindException)) {
                    cause = cause.getCause();
                }
                if (cause != null) {
                    throw new UncheckedIOException("cannot bind port " + config.port(), (BindException) cause);
                }
                throw new IllegalStateException("Tomcat did not start", e);
            }
            return new TomcatServer(tomcat, connector, servlets, config, base);
        }

        private static void stopQuietly(Tomcat tomcat, Path base) {
            try {
                tomcat.stop();
                tomcat.destroy();
            } catch (LifecycleException | RuntimeException ignored) {
                // the start failure is the one to report
            }
            Files2.deleteTree(base);
        }
    }

    /** Deploys the app as the only servlet of a new context, mapped to everything below its path. */
    static FerryServlet deploy(Tomcat tomcat, String path, Handler app, ServerConfig config) {
        Context context = tomcat.addContext(tomcat.getHost(), path, null);
        context.setMapperContextRootRedirectEnabled(false);
        context.setCookies(false);
        ((org.apache.catalina.core.StandardContext) context).setUnloadDelay(20);
        FerryServlet servlet = new FerryServlet(app, config);
        servlet.container(Embedded.INSTANCE);
        Tomcat.addServlet(context, "ferry", servlet).setAsyncSupported(false);
        context.addServletMappingDecoded("/*", "ferry");
        return servlet;
    }

    /** Maps the contract's limits, timeouts and execution onto a new HTTP/1.1 NIO connector. */
    static Connector connector(ServerConfig config) {
        Http11Protocol http = new Http11Protocol();
        http.headerTimeout(config.requestHeaderTimeout());
        Connector connector = new Connector(http);
        connector.setThrowOnFailure(true);
        connector.setPort(config.port());
        config.host().ifPresent(host -> connector.setProperty("address", host));
        connector.setAllowTrace(true);
        connector.setXpoweredBy(false);
        connector.setEncodedSolidusHandling("passthrough");
        connector.setEncodedReverseSolidusHandling("passthrough");
        connector.setMaxPostSize((int) Math.min(Integer.MAX_VALUE, config.maxRequestBody()));
        http.setMaxHttpRequestHeaderSize(config.maxRequestLine() + config.maxHeaderBytes() + 64);
        http.setMaxHttpResponseHeaderSize(64 * 1024);
        http.setMaxHeaderCount(-1);
        http.setMaxSwallowSize((int) Math.min(MAX_SWALLOW, config.maxRequestBody()));
        http.setConnectionTimeout(millis(config.requestHeaderTimeout()));
        http.setKeepAliveTimeout(millis(config.idleTimeout()));
        http.setMaxConnections(config.maxConnections());
        http.setMaxKeepAliveRequests(-1);
        http.setContinueResponseTiming("onRead");
        http.setRelaxedPathChars("\"<>[\\]^`{|}");
        http.setRelaxedQueryChars("\"<>[\\]^`{|}");
        http.setServer(null);
        connector.setProperty("useVirtualThreads", Boolean.toString(config.execution().orElse(Execution.VIRTUAL_THREADS) == Execution.VIRTUAL_THREADS));
        return connector;
    }

    private static int millis(Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, duration.toMillis());
    }

    /**
     * Reaches the Tomcat response behind the servlet API: to set a Content-Type exactly as the app
     * wrote it (the servlet API would rewrite {@code text/plain; charset=utf-8} as
     * {@code text/plain;charset=utf-8}, unlike the other servers), and to close a connection without
     * first draining a request body that nobody will read.
     */
    private enum Embedded implements FerryServlet.Container {
        INSTANCE;

        private static final MethodHandle RESPONSE = field(ResponseFacade.class, "response",
                org.apache.catalina.connector.Response.class);
        private static final MethodHandle REQUEST = field(RequestFacade.class, "request",
                org.apache.catalina.connector.Request.class);
        private static final MethodHandle HOOK = field(org.apache.coyote.Response.class, "hook", ActionHook.class);
        private static final MethodHandle HTTP09 = setter(Http11Processor.class, "http09", boolean.class);
        private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);

        private static MethodHandle field(Class<?> facade, String name, Class<?> type) {
            try {
                return MethodHandles.privateLookupIn(facade, MethodHandles.lookup()).findGetter(facade, name, type);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }

        private static MethodHandle setter(Class<?> owner, String name, Class<?> type) {
            try {
                return MethodHandles.privateLookupIn(owner, MethodHandles.lookup()).findSetter(owner, name, type);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }

        /** Tomcat serves a request line without a version as HTTP/0.9, without status line or headers. */
        @Override
        public boolean answerAsHttp11(HttpServletResponse response) {
            org.apache.coyote.Response coyote = coyote(response);
            if (coyote == null || HOOK == null || HTTP09 == null) {
                return false;
            }
            try {
                if ((ActionHook) HOOK.invokeExact(coyote) instanceof Http11Processor processor) {
                    HTTP09.invokeExact(processor, false);
                    return true;
                }
            } catch (Throwable e) {
                return false;
            }
            return false;
        }

        /**
         * Checks the request head in Tomcat's input buffer, where header names and every line end
         * stay as they came (Tomcat moves only value bytes, and only leftwards within their line):
         * Tomcat accepts bare LF line ends and unfolds obs-fold, and it removes a Content-Length sent
         * with Transfer-Encoding before the servlet sees the request. The contract refuses all three.
         */
        @Override
        public boolean malformedHead(HttpServletRequest request, boolean chunked) {
            if (REQUEST == null || !(request instanceof RequestFacade facade)) {
                return false;
            }
            MimeHeaders headers;
            try {
                headers = ((org.apache.catalina.connector.Request) REQUEST.invokeExact(facade)).getCoyoteRequest()
                        .getMimeHeaders();
            } catch (Throwable e) {
                return false;
            }
            if (headers.size() == 0) {
                return false;
            }
            ByteChunk first = headers.getName(0).getByteChunk();
            byte[] buffer = first.getBuffer();
            int from = first.getStart();
            if (buffer == null || from < 2 || buffer[from - 1] != '\n' || buffer[from - 2] != '\r') {
                return buffer != null && from >= 2;
            }
            if (chunked && startsWithName(buffer, from)) {
                return true;
            }
            for (int i = from; i + 2 < buffer.length; i++) {
                if (buffer[i] != '\n') {
                    continue;
                }
                byte next = buffer[i + 1];
                if (buffer[i - 1] != '\r' || next == ' ' || next == '\t' || next == '\n') {
                    return true;
                }
                if (next == '\r' && buffer[i + 2] == '\n') {
                    return false;
                }
                if (chunked && startsWithName(buffer, i + 1)) {
                    return true;
                }
            }
            return false;
        }

        private static boolean startsWithName(byte[] buffer, int at) {
            if (at + CONTENT_LENGTH.length >= buffer.length) {
                return false;
            }
            for (int k = 0; k < CONTENT_LENGTH.length; k++) {
                if ((buffer[at + k] | 0x20) != CONTENT_LENGTH[k]) {
                    return false;
                }
            }
            return buffer[at + CONTENT_LENGTH.length] == ':';
        }

        private static org.apache.coyote.Response coyote(HttpServletResponse response) {
            if (RESPONSE != null && response instanceof ResponseFacade facade) {
                try {
                    return ((org.apache.catalina.connector.Response) RESPONSE.invokeExact(facade)).getCoyoteResponse();
                } catch (Throwable e) {
                    return null;
                }
            }
            return null;
        }

        @Override
        public void contentType(HttpServletResponse response, String value) {
            org.apache.coyote.Response coyote = coyote(response);
            if (coyote == null) {
                response.setContentType(value);
            } else {
                coyote.setContentTypeNoCharset(value);
            }
        }

        @Override
        public void closing(HttpServletResponse response) {
            org.apache.coyote.Response coyote = coyote(response);
            if (coyote != null) {
                coyote.action(ActionCode.DISABLE_SWALLOW_INPUT, null);
            }
        }
    }
}
