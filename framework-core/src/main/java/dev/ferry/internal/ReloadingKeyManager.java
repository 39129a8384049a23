package dev.ferry.internal;

import dev.ferry.server.Tls;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The server's key manager: it answers from the certificate and key last loaded, and before a handshake
 * (at most every 200 ms) compares the files' modification times and sizes with those loaded; when they differ it loads them again and
 * the handshake, and those after it, use the new ones. Files that fail to load (half written, a key that does not
 * match the certificate) are logged and the last good ones stay in use until the files change again. Aliases carry
 * the generation they were chosen from, so a handshake that straddles a reload gets its chain and key from one pair.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {

    private static final System.Logger LOG = System.getLogger("dev.ferry.tls");
    /** How often, at most, the files are compared with those loaded: a change is seen within this much of it. */
    static final long CHECK_EVERY_NANOS = 200_000_000L;

    private record Loaded(int generation, List<Object> stamp, X509ExtendedKeyManager manager) {
    }

    private final Tls tls;
    private final List<Path> files;
    private volatile Loaded current;
    private volatile Loaded previous;
    /** When the files were last looked at: a handshake asks for an alias several times, a look costs system calls. */
    private volatile long checked = System.nanoTime() - CHECK_EVERY_NANOS;

    /**
     * Loads the certificate and key once.
     *
     * @throws GeneralSecurityException or IOException naming the file that cannot be used
     */
    public ReloadingKeyManager(Tls tls) throws IOException, GeneralSecurityException {
        this.tls = tls;
        this.files = tls.keystore().isPresent() ? List.of(tls.keystore().get())
                : List.of(tls.certificateChain().orElseThrow(), tls.privateKey().orElseThrow());
        List<Object> stamp = stamp();
        this.current = new Loaded(0, stamp, load());
    }

    private List<Object> stamp() {
        List<Object> stamp = new ArrayList<>();
        for (Path file : files) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                stamp.add(attributes.lastModifiedTime());
                stamp.add(attributes.size());
                stamp.add(attributes.fileKey());
            } catch (IOException e) {
                stamp.add(e.getClass().getName()); // a file being replaced: try again once it is back
            }
        }
        return stamp;
    }

    private X509ExtendedKeyManager load() throws IOException, GeneralSecurityException {
        KeyStore store;
        char[] password;
        if (tls.keystore().isPresent()) {
            store = KeyStore.getInstance(tls.keystoreType());
            password = tls.keystorePassword().toCharArray();
            try (InputStream in = Files.newInputStream(tls.keystore().get())) {
                store.load(in, password);
            } catch (IOException e) {
                if (e.getCause() instanceof java.security.UnrecoverableKeyException) {
                    throw new GeneralSecurityException(tls.keystore().get() + ": the keystore password is wrong "
                            + "(ferry.tls.keystore-password)");
                }
                throw e;
            }
            if (Collections.list(store.aliases()).stream().noneMatch(alias -> isKey(store, alias))) {
                throw new GeneralSecurityException(tls.keystore().get() + " holds no private key entry");
            }
        } else {
            X509Certificate[] chain = Pem.chain(tls.certificateChain().get());
            PrivateKey key = Pem.key(tls.privateKey().get(), chain[0]);
            store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            password = new char[0];
            store.setKeyEntry("server", key, password, chain);
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance("SunX509");
        factory.init(store, password);
        for (KeyManager manager : factory.getKeyManagers()) {
            if (manager instanceof X509ExtendedKeyManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("no X.509 key manager");
    }

    private static boolean isKey(KeyStore store, String alias) {
        try {
            return store.isKeyEntry(alias);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Returns the pair in use, loading the files again first when they changed (looked at once per {@link #CHECK_EVERY_NANOS}). */
    private Loaded fresh() {
        Loaded loaded = current;
        long now = System.nanoTime();
        if (now - checked < CHECK_EVERY_NANOS) {
            return loaded;
        }
        checked = now;
        List<Object> stamp = stamp();
        if (stamp.equals(loaded.stamp)) {
            return loaded;
        }
        synchronized (this) {
            loaded = current;
            if (!stamp.equals(loaded.stamp)) {
                try {
                    Loaded next = new Loaded(loaded.generation + 1, stamp, load());
                    previous = loaded;
                    current = next;
                    LOG.log(System.Logger.Level.INFO, "TLS: loaded the changed certificate and key from " + files);
                } catch (IOException | GeneralSecurityException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "TLS: cannot use the changed " + files + ", keeping the certificate "
                            + "loaded before: " + Loggable.of(e).getMessage());
                    current = new Loaded(loaded.generation, stamp, loaded.manager);
                }
            }
            return current;
        }
    }

    private String tag(Loaded loaded, String alias) {
        return alias == null ? null : loaded.generation + ":" + alias;
    }

    private X509ExtendedKeyManager manager(String alias, String[] bare) {
        int colon = alias == null ? -1 : alias.indexOf(':');
        if (colon < 0) {
            return null;
        }
        bare[0] = alias.substring(colon + 1);
        int generation = Integer.parseInt(alias.substring(0, colon));
        Loaded now = current;
        Loaded before = previous;
        return now.generation == generation ? now.manager : before != null && before.generation == generation ? before.manager : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        Loaded loaded = fresh();
        return tag(loaded, loaded.manager.chooseEngineServerAlias(keyType, issuers, engine));
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        Loaded loaded = fresh();
        return tag(loaded, loaded.manager.chooseServerAlias(keyType, issuers, socket));
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        Loaded loaded = fresh();
        String[] aliases = loaded.manager.getServerAliases(keyType, issuers);
        if (aliases == null) {
            return null;
        }
        String[] tagged = new String[aliases.length];
        for (int i = 0; i < aliases.length; i++) {
            tagged[i] = tag(loaded, aliases[i]);
        }
        return tagged;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        String[] bare = new String[1];
        X509ExtendedKeyManager manager = manager(alias, bare);
        return manager == null ? null : manager.getCertificateChain(bare[0]);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        String[] bare = new String[1];
        X509ExtendedKeyManager manager = manager(alias, bare);
        return manager == null ? null : manager.getPrivateKey(bare[0]);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }
}
