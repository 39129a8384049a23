package dev.ferry.bench.raw;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * What the raw baselines read to serve HTTP/2 and TLS: {@code -Draw.http2=true} turns on each server's
 * own HTTP/2 (h2c with prior knowledge on the plain port, h2 by ALPN over TLS), and
 * {@code -Draw.tls.keystore=FILE} (a PKCS#12 keystore, password {@code raw.tls.password}, {@code changeit}
 * by default) makes the port serve TLS only, with the JDK's own key manager and the server's defaults.
 */
public final class RawTls {

    private RawTls() {
    }

    /** Returns whether the baseline runs with its HTTP/2 support turned on. */
    public static boolean http2() {
        return Boolean.getBoolean("raw.http2");
    }

    /** Returns the keystore to serve TLS with, or null for plain HTTP. */
    public static Path keystore() {
        String file = System.getProperty("raw.tls.keystore");
        return file == null || file.isBlank() ? null : Path.of(file);
    }

    /** Returns the keystore's password. */
    public static String password() {
        return System.getProperty("raw.tls.password", "changeit");
    }

    /** Returns a key manager factory over the keystore, as the JDK makes it by default. */
    public static KeyManagerFactory keyManagers() {
        try (InputStream in = Files.newInputStream(keystore())) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password().toCharArray());
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password().toCharArray());
            return keys;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot load " + keystore(), e);
        }
    }

    /** Returns a default JDK {@code SSLContext} ("TLS") serving the keystore's key. */
    public static SSLContext context() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers().getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Returns how the baseline's port is spoken, for its start-up line. */
    public static String describe() {
        return (keystore() == null ? "http" : "https") + (http2() ? " with HTTP/2" : "");
    }
}
