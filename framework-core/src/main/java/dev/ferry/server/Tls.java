package dev.ferry.server;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a server's TLS certificate and private key come from: PEM files, or a keystore. The files are
 * read when the server starts and read again, for new connections, whenever they change.
 */
public final class Tls {

    private final Path certificate;
    private final Path key;
    private final Path keystore;
    private final String password;
    private final String type;

    private Tls(Path certificate, Path key, Path keystore, String password, String type) {
        this.certificate = certificate;
        this.key = key;
        this.keystore = keystore;
        this.password = password;
        this.type = type;
    }

    /**
     * Returns settings that read a PEM certificate chain (the server's certificate first) and a PEM
     * private key: PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC 1
     * ({@code BEGIN EC PRIVATE KEY}), not encrypted.
     */
    public static Tls pem(Path certificateChain, Path privateKey) {
        return new Tls(Objects.requireNonNull(certificateChain), Objects.requireNonNull(privateKey), null, null, null);
    }

    /**
     * Returns settings that read the first key entry of a keystore, whose type is {@code PKCS12} or
     * {@code JKS}; a null type is taken from the file name ({@code .jks} is JKS, anything else PKCS12).
     */
    public static Tls keystore(Path keystore, String password, String type) {
        Objects.requireNonNull(keystore);
        String t = type != null ? type.toUpperCase(Locale.ROOT)
                : keystore.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jks") ? "JKS" : "PKCS12";
        return new Tls(null, null, keystore, password == null ? "" : password, t);
    }

    /** Returns the PEM certificate chain file, when the settings name PEM files. */
    public Optional<Path> certificateChain() {
        return Optional.ofNullable(certificate);
    }

    /** Returns the PEM private key file, when the settings name PEM files. */
    public Optional<Path> privateKey() {
        return Optional.ofNullable(key);
    }

    /** Returns the keystore file, when the settings name one. */
    public Optional<Path> keystore() {
        return Optional.ofNullable(keystore);
    }

    /** Returns the keystore's password (also the key entry's), empty for PEM files. */
    public String keystorePassword() {
        return password == null ? "" : password;
    }

    /** Returns the keystore's type, {@code PKCS12} or {@code JKS}; empty for PEM files. */
    public String keystoreType() {
        return type == null ? "" : type;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tls t && Objects.equals(certificate, t.certificate) && Objects.equals(key, t.key)
                && Objects.equals(keystore, t.keystore) && Objects.equals(password, t.password) && Objects.equals(type, t.type);
    }

    @Override
    public int hashCode() {
        return Objects.hash(certificate, key, keystore, password, type);
    }

    /** Names the files; never shows the password. */
    @Override
    public String toString() {
        return keystore != null ? "Tls[keystore=" + keystore + ", type=" + type + "]"
                : "Tls[certificate=" + certificate + ", key=" + key + "]";
    }
}
