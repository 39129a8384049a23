package dev.ferry.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads PEM certificate chains and unencrypted private keys: PKCS#8, PKCS#1 (RSA) and SEC 1 (EC). */
public final class Pem {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)\\s*-----END \\1-----");

    private Pem() {
    }

    /** Returns the certificates of the file, in order, the server's own first. */
    public static X509Certificate[] chain(Path file) throws IOException, GeneralSecurityException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        if (!text.contains("-----BEGIN CERTIFICATE-----")) {
            throw new GeneralSecurityException(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        List<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII))).stream().toList();
        return certificates.toArray(new X509Certificate[0]);
    }

    /**
     * Returns the private key of the file, of the algorithm of the certificate's public key, after checking that
     * it is the certificate's key.
     */
    public static PrivateKey key(Path file, X509Certificate certificate) throws IOException, GeneralSecurityException {
        Matcher block = BLOCK.matcher(Files.readString(file, StandardCharsets.US_ASCII));
        while (block.find()) {
            String label = block.group(1);
            if (label.endsWith("PARAMETERS")) {
                continue; // openssl writes EC PARAMETERS before an EC key
            }
            byte[] der = Base64.getMimeDecoder().decode(block.group(2));
            byte[] pkcs8 = switch (label) {
                case "PRIVATE KEY" -> der;
                // a PKCS#1 or SEC 1 key inside a PKCS#8 envelope, with the algorithm identifier of the certificate's key
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> pkcs8(algorithmIdentifier(certificate.getPublicKey().getEncoded()), der);
                case "ENCRYPTED PRIVATE KEY" -> throw new GeneralSecurityException(file
                        + " holds an encrypted key; decrypt it (openssl pkcs8 -in key.pem -out plain.pem) or use a keystore");
                default -> throw new GeneralSecurityException(file + ": a PEM " + label + " is not a private key");
            };
            String algorithm = certificate.getPublicKey().getAlgorithm();
            PrivateKey key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            checkPair(file, key, certificate);
            return key;
        }
        throw new GeneralSecurityException(file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
    }

    /** Signs and verifies a few bytes: a key that is not the certificate's fails here rather than in every handshake. */
    private static void checkPair(Path file, PrivateKey key, X509Certificate certificate) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            return;
        }
        byte[] probe = "ferry".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(certificate.getPublicKey());
        verifier.update(probe);
        if (!verifier.verify(signature)) {
            throw new GeneralSecurityException(file + " is not the private key of the certificate "
                    + certificate.getSubjectX500Principal().getName());
        }
    }

    /** Returns the AlgorithmIdentifier of a SubjectPublicKeyInfo: its first element. */
    private static byte[] algorithmIdentifier(byte[] spki) throws GeneralSecurityException {
        int[] outer = header(spki, 0);
        int[] inner = header(spki, outer[0]);
        int end = inner[0] + inner[1];
        byte[] id = new byte[end - outer[0]];
        System.arraycopy(spki, outer[0], id, 0, id.length);
        return id;
    }

    /** Returns {start of content, length of content} of the DER element at this offset. */
    private static int[] header(byte[] der, int at) throws GeneralSecurityException {
        if (at + 2 > der.length) {
            throw new GeneralSecurityException("truncated DER");
        }
        int length = der[at + 1] & 0xFF;
        int start = at + 2;
        if (length >= 0x80) {
            int bytes = length & 0x7F;
            if (bytes == 0 || bytes > 3) {
                throw new GeneralSecurityException("unsupported DER length");
            }
            length = 0;
            for (int i = 0; i < bytes; i++) {
                length = length << 8 | der[start++] & 0xFF;
            }
        }
        return new int[] {start, length};
    }

    private static byte[] pkcs8(byte[] algorithmIdentifier, byte[] key) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00}); // version 0
        body.writeBytes(algorithmIdentifier);
        body.writeBytes(element(0x04, key));
        return element(0x30, body.toByteArray());
    }

    private static byte[] element(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }
}
