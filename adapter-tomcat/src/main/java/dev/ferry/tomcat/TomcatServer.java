package dev.ferry.tomcat;

import dev.ferry.Handler;
import dev.ferry.Status;
import dev.ferry.server.Execution;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Engine;
import dev.ferry.spi.HeadCheck;
import dev.ferry.tomcat.internal.CheckedChannel;
import dev.ferry.tomcat.internal.ServletExchange;
import dev.ferry.tomcat.internal.TlsHost;
import dev.ferry.tomcat.internal.TomcatHttp2;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.modeler.Registry;
import org.apache.tomcat.util.net.NioEndpoint;

/**
 * A Ferry app served by {@link FerryServlet} on an embedded Tomcat, on its worker pool of platform threads unless
 * {@link Execution#VIRTUAL_THREADS} is chosen ({@link Execution#IO_THREAD} too: Tomcat never runs a servlet on its poller).
 */
public final class TomcatServer implements Server {

    private final Tomcat tomcat = new Tomcat();
    private final ServerConfig config;
    private final Engine engine;
    private final TomcatHttp2 http2;

    private TomcatServer(Handler app, ServerConfig config) {
        this.config = config;
        this.engine = Engine.create(app, config);
        this.http2 = config.http2() ? new TomcatHttp2(config) : null;
        tomcat.setBaseDir(System.getProperty("java.io.tmpdir") + "/ferry-tomcat-" + System.getProperty("user.name"));
        tomcat.setConnector(connector(config, http2));
        StandardHost host = (StandardHost) tomcat.getHost();
        host.setErrorReportValveClass("");
        host.getPipeline().addValve(new ValveBase() {
            // hands the servlet Tomcat's response; writes the errors Tomcat answers itself as Ferry's plain text
            @Override
            public void invoke(Request request, Response response) throws IOException, ServletException {
                request.setAttribute(ServletExchange.TOMCAT, response.getCoyoteResponse());
                getNext().invoke(request, response);
                if (response.isError() && !response.isCommitted() && response.setErrorReported()) {
                    byte[] text = Status.of(response.getStatus()).reason().getBytes(StandardCharsets.UTF_8);
                    response.setSuspended(false);
                    response.getCoyoteResponse().setContentTypeNoCharset("text/plain; charset=utf-8");
                    response.setContentLength(text.length);
                    response.getOutputStream().write(text);
                }
            }
        });
        StandardContext context = (StandardContext) tomcat.addContext(host, "", null);
        context.setUnloadDelay(20);
        context.setClearReferencesThreadLocals(false);
        context.setClearReferencesRmiTargets(false);
        context.addServletContainerInitializer(new org.apache.tomcat.websocket.server.WsSci(), null); // WebSocket
        Tomcat.addServlet(context, "ferry", new FerryServlet(engine));
        context.addServletMappingDecoded("/*", "ferry");
    }

    /** Starts the app with these settings and returns once Tomcat listens, or throws {@link Engine#cannotListen}'s exception. */
    public static TomcatServer start(Handler app, ServerConfig config) {
        java.util.logging.Logger tomcatLog = java.util.logging.Logger.getLogger("org.apache");
        if (tomcatLog.getLevel() == null) {
            tomcatLog.setLevel(java.util.logging.Level.WARNING);
        }
        // no JMX MBeans: registering them parses Tomcat's XML descriptors, which dominates start-up
        Registry.disableRegistry();
        TomcatServer server = new TomcatServer(app, config);
        try {
            server.tomcat.start();
        } catch (LifecycleException e) {
            server.shutDown();
            throw Engine.cannotListen(server.host(), config.port(), e);
        }
        return server;
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
        return tomcat.getConnector().getLocalPort();
    }

    /**
     * Stops in the engine's sequence (503 to new requests, then the listener, then Tomcat and its connections), HTTP/2
     * connections told first by GOAWAY; a later, shorter grace closes sooner.
     */
    @Override
    public void stop(Duration grace) {
        if (http2 != null) {
            http2.goAway();
        }
        engine.stop(grace, tomcat.getConnector().getProtocolHandler()::closeServerSocketGraceful, this::shutDown);
    }

    @Override
    public void close() {
        stop(config.shutdownGrace());
    }

    private synchronized void shutDown() {
        try {
            tomcat.stop();
            tomcat.destroy();
        } catch (LifecycleException e) {
            System.getLogger("dev.ferry.tomcat").log(System.Logger.Level.WARNING, "Tomcat did not stop cleanly", e);
        }
    }

    /** Maps the contract's limits, timeouts and execution onto an HTTP/1.1 NIO connector whose channels run the head check. */
    private static Connector connector(ServerConfig config, TomcatHttp2 http2) {
        NioEndpoint endpoint = CheckedChannel.endpoint(config);
        endpoint.setUseVirtualThreads(config.execution().orElse(Execution.IO_THREAD) == Execution.VIRTUAL_THREADS);
        // the engine has waited out the grace period before Tomcat stops: no second wait for the workers
        endpoint.setExecutorTerminationTimeoutMillis(0);
        endpoint.setThreadsMaxIdleTime((int) Math.min(Integer.MAX_VALUE, config.idleTimeout().toMillis()));
        Http11NioProtocol http = new Http11NioProtocol(endpoint);
        Connector connector = new Connector(http);
        connector.setThrowOnFailure(true);
        connector.setPort(config.port());
        config.host().ifPresent(host -> connector.setProperty("address", host));
        connector.setAllowTrace(true);
        connector.setEncodedSolidusHandling("passthrough");
        connector.setEncodedReverseSolidusHandling("passthrough");
        http.setRelaxedPathChars("\"<>[\\]^`{|}");
        http.setRelaxedQueryChars("\"<>[\\]^`{|}");
        http.setMaxHttpRequestHeaderSize(HeadCheck.maxHead(config));
        http.setMaxHeaderCount(-1);
        http.setMaxHttpResponseHeaderSize(64 * 1024);
        http.setConnectionTimeout((int) Math.min(Integer.MAX_VALUE, config.requestHeaderTimeout().toMillis()));
        http.setDisableUploadTimeout(false);
        http.setConnectionUploadTimeout((int) Math.min(Integer.MAX_VALUE, config.bodyReadTimeout().toMillis()));
        http.setKeepAliveTimeout((int) Math.min(Integer.MAX_VALUE, config.idleTimeout().toMillis()));
        http.setMaxConnections(config.maxConnections());
        http.setMaxKeepAliveRequests(-1);
        http.setUseKeepAliveResponseHeader(false);
        http.setContinueResponseTiming("onRead");
        if (http2 != null) { // h2c by the preface the head check passes, h2 by ALPN
            http.addUpgradeProtocol(http2);
        }
        config.tls().ifPresent(tls -> { // TLS under the same checked channel, on the decrypted bytes
            http.setSSLEnabled(true);
            http.addSslHostConfig(TlsHost.of(tls, config.http2()));
            connector.setScheme("https");
            connector.setSecure(true);
        });
        return connector;
    }
}
