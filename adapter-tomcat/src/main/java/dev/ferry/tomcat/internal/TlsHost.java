package dev.ferry.tomcat.internal;

import dev.ferry.server.Tls;
import dev.ferry.spi.TlsContext;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;
import org.apache.tomcat.util.net.SSLContext;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;

/** Tomcat's TLS host given the core's {@link TlsContext}, so that Tomcat offers what every server offers. */
public record TlsHost(javax.net.ssl.SSLContext context) implements SSLContext {

    /** Returns the default host's TLS settings: the core's context, protocols, cipher suites and ALPN protocols. */
    public static SSLHostConfig of(Tls tls, boolean http2) {
        SSLHostConfig host = new SSLHostConfig();
        host.setProtocols(String.join(",", TlsContext.PROTOCOLS));
        host.setCiphers(String.join(",", TlsContext.CIPHER_SUITES));
        host.setHonorCipherOrder(true);
        SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(host, SSLHostConfigCertificate.Type.UNDEFINED);
        certificate.setSslContext(new TlsHost(TlsContext.create(tls, http2)));
        host.addCertificate(certificate);
        return host;
    }

    @Override
    public void init(KeyManager[] kms, TrustManager[] tms, SecureRandom sr) { } // created initialized; it re-reads its files

    @Override
    public void destroy() { }

    @Override
    public SSLSessionContext getServerSessionContext() { return context.getServerSessionContext(); }

    @Override
    public SSLEngine createSSLEngine() { return context.createSSLEngine(); }

    @Override
    public SSLServerSocketFactory getServerSocketFactory() { return context.getServerSocketFactory(); }

    @Override
    public SSLParameters getSupportedSSLParameters() { return context.getSupportedSSLParameters(); }

    @Override
    public X509Certificate[] getCertificateChain(String alias) { return null; } // Tomcat logs it at debug level; null skips that

    @Override
    public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; } // no client certificates
}
