package dev.ferry.bench.raw;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.examples.hello.HelloApp;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.coyote.http2.Http2Protocol;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;

/**
 * The raw baseline for Ferry on Tomcat: a plain servlet on embedded Tomcat serving the hello app's
 * {@code /plaintext} and {@code /json} with the same bytes, on Tomcat's default NIO HTTP/1.1 connector
 * (its platform worker pool, 100 requests per keep-alive connection). With {@code -Draw.matched=true} the
 * connector is set up as Ferry's (virtual threads, unlimited keep-alive requests, the same header buffer,
 * timeouts and connection limit). Listens on system property {@code ferry.port} (8080 by default).
 * {@code -Draw.http2=true} adds Tomcat's {@code Http2Protocol} as the connector's upgrade protocol, and
 * {@code -Draw.tls.keystore} turns on TLS with the keystore on the connector's {@code SSLHostConfig}
 * ({@link RawTls}).
 */
public final class RawServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.UTF_8);

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        switch (req.getRequestURI()) {
            case "/plaintext" -> {
                resp.setContentType("text/plain; charset=utf-8");
                resp.setContentLength(HELLO.length);
                resp.getOutputStream().write(HELLO);
            }
            case "/json" -> {
                byte[] json = JSON.writeValueAsString(new HelloApp.Message("Hello, World!")).getBytes(StandardCharsets.UTF_8);
                resp.setContentType("application/json");
                resp.setContentLength(json.length);
                resp.getOutputStream().write(json);
            }
            default -> resp.sendError(404);
        }
    }

    /** Starts the baseline server. */
    public static void main(String[] args) throws Exception {
        int port = Integer.getInteger("ferry.port", 8080);
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createTempDirectory("raw-tomcat").toString());
        Http11NioProtocol http = new Http11NioProtocol();
        Connector connector = new Connector(http);
        connector.setPort(port);
        String host = System.getProperty("ferry.host");
        if (host != null) {
            connector.setProperty("address", host);
        }
        if (Boolean.getBoolean("raw.matched")) {
            http.setMaxHttpRequestHeaderSize(8 * 1024 + 16 * 1024 + 64);
            http.setMaxHttpResponseHeaderSize(64 * 1024);
            http.setMaxHeaderCount(-1);
            http.setConnectionTimeout(10_000);
            http.setKeepAliveTimeout(60_000);
            http.setMaxConnections(10_000);
            http.setMaxKeepAliveRequests(-1);
            http.setMaxSwallowSize(2 * 1024 * 1024);
            http.setContinueResponseTiming("onRead");
            connector.setProperty("useVirtualThreads", "true");
        }
        http.setServer(null);
        if (RawTls.http2()) {
            // h2 by ALPN over TLS; on plain HTTP h2c with prior knowledge (and Upgrade)
            connector.addUpgradeProtocol(new Http2Protocol());
        }
        if (RawTls.keystore() != null) {
            connector.setSecure(true);
            connector.setScheme("https");
            connector.setProperty("SSLEnabled", "true");
            SSLHostConfig ssl = new SSLHostConfig();
            SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(ssl, SSLHostConfigCertificate.Type.UNDEFINED);
            certificate.setCertificateKeystoreFile(RawTls.keystore().toAbsolutePath().toString());
            certificate.setCertificateKeystorePassword(RawTls.password());
            certificate.setCertificateKeystoreType("PKCS12");
            ssl.addCertificate(certificate);
            connector.addSslHostConfig(ssl);
        }
        tomcat.getService().addConnector(connector);
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", null);
        context.setCookies(false);
        Tomcat.addServlet(context, "raw", new RawServlet());
        context.addServletMappingDecoded("/*", "raw");
        tomcat.start();
        System.out.println("raw servlet on tomcat (" + RawTls.describe() + ") on port " + connector.getLocalPort());
        tomcat.getServer().await();
    }
}
