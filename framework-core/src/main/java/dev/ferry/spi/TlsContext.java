package dev.ferry.spi;

import dev.ferry.internal.ReloadingKeyManager;
import dev.ferry.server.Tls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * The one TLS setup every server uses, so that all of them offer the same protocols, cipher suites and
 * application protocols: an {@link SSLContext} whose engines are already configured for the server side, and
 * whose certificate is read again when its files change (new handshakes use the new one; connections open keep
 * theirs).
 */
public final class TlsContext {

    /** The protocol versions offered: TLS 1.3 and 1.2, nothing older. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /**
     * The cipher suites offered, in the server's order of preference: AEAD ciphers with forward secrecy only
     * (TLS 1.3's, and ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2), as Mozilla's "intermediate" profile
     * without its finite-field DHE suites.
     */
    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** The application protocols offered through ALPN when HTTP/2 is off: {@code http/1.1} only. */
    public static final List<String> HTTP1_PROTOCOLS = List.of("http/1.1");

    /** The application protocols offered through ALPN when HTTP/2 is on, in the server's order of preference. */
    public static final List<String> HTTP2_PROTOCOLS = List.of("h2", "http/1.1");

    private TlsContext() {
    }

    /**
     * Returns a server-side context for these settings that offers {@code http/1.1} only through ALPN.
     *
     * @throws UncheckedIOException when a file cannot be read
     * @throws IllegalArgumentException when the files hold no usable certificate and key, naming the file
     */
    public static SSLContext create(Tls tls) {
        return create(tls, false);
    }

    /**
     * Returns a server-side context for these settings. Its engines are in server mode with
     * {@link #PROTOCOLS}, {@link #CIPHER_SUITES}, the server's cipher order and, through ALPN,
     * {@link #HTTP2_PROTOCOLS} when {@code http2} is true, {@link #HTTP1_PROTOCOLS} otherwise.
     *
     * @throws UncheckedIOException when a file cannot be read
     * @throws IllegalArgumentException when the files hold no usable certificate and key, naming the file
     */
    public static SSLContext create(Tls tls, boolean http2) {
        try {
            ReloadingKeyManager keys = new ReloadingKeyManager(tls);
            SSLContext jdk = SSLContext.getInstance("TLS");
            jdk.init(new KeyManager[] {keys}, null, null);
            return new Configured(new Spi(jdk, http2), jdk);
        } catch (IOException e) {
            throw new UncheckedIOException("TLS: cannot read " + tls + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("TLS: cannot use " + tls + ": " + e.getMessage(), e);
        }
    }

    /** Returns the parameters the context's engines get, with ALPN offering {@code http/1.1} only. */
    public static SSLParameters parameters(SSLContext context) {
        return parameters(context, false);
    }

    /** Returns the parameters the context's engines get: protocols, cipher suites, their order and ALPN. */
    public static SSLParameters parameters(SSLContext context, boolean http2) {
        SSLParameters parameters = context.getDefaultSSLParameters();
        List<String> supported = Arrays.asList(context.getSupportedSSLParameters().getCipherSuites());
        List<String> ciphers = new ArrayList<>(CIPHER_SUITES);
        ciphers.retainAll(supported);
        parameters.setProtocols(PROTOCOLS.toArray(String[]::new));
        parameters.setCipherSuites(ciphers.toArray(String[]::new));
        parameters.setUseCipherSuitesOrder(true);
        parameters.setApplicationProtocols((http2 ? HTTP2_PROTOCOLS : HTTP1_PROTOCOLS).toArray(String[]::new));
        parameters.setNeedClientAuth(false);
        return parameters;
    }

    private static final class Configured extends SSLContext {
        Configured(Spi spi, SSLContext jdk) {
            super(spi, jdk.getProvider(), jdk.getProtocol());
        }
    }

    /** The JDK's context, with every engine it creates configured for the server side. */
    private static final class Spi extends SSLContextSpi {
        private final SSLContext jdk;
        private final SSLParameters parameters;

        Spi(SSLContext jdk, boolean http2) {
            this.jdk = jdk;
            this.parameters = parameters(jdk, http2);
        }

        private SSLEngine configure(SSLEngine engine) {
            engine.setUseClientMode(false);
            engine.setSSLParameters(parameters);
            return engine;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) throws KeyManagementException {
            throw new KeyManagementException("a Ferry TLS context is initialized when it is created");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return jdk.getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return jdk.getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return configure(jdk.createSSLEngine());
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return configure(jdk.createSSLEngine(host, port));
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return jdk.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return jdk.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return copy(parameters);
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return jdk.getSupportedSSLParameters();
        }

        private static SSLParameters copy(SSLParameters p) {
            SSLParameters copy = new SSLParameters(p.getCipherSuites(), p.getProtocols());
            copy.setUseCipherSuitesOrder(p.getUseCipherSuitesOrder());
            copy.setApplicationProtocols(p.getApplicationProtocols());
            return copy;
        }
    }
}
