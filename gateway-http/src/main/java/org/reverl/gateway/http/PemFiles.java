package org.reverl.gateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a PEM certificate chain and an unencrypted PEM PKCS#8 private key with the JDK alone.
 *
 * <p>Netty parses a key file with BouncyCastle whenever BouncyCastle is on the class path, which loads about 600
 * classes and registers its provider: about 12 MB of resident memory for the life of the process, for a key the JDK
 * reads as well. Keys in any other form (PKCS#1, encrypted) are left to Netty: {@link #privateKey} returns
 * {@code null} for them.
 */
final class PemFiles {

    private static final Pattern PKCS8 =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    /** The key algorithms tried, in order; a PKCS#8 key names its algorithm, and each factory accepts only its own. */
    private static final List<String> ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS");

    private PemFiles() {}

    /**
     * The key in {@code file} if it holds one unencrypted PKCS#8 key ({@code -----BEGIN PRIVATE KEY-----}), else
     * {@code null}.
     *
     * @throws GeneralSecurityException if it is PKCS#8 but no JDK key factory accepts it
     */
    static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        Matcher m = PKCS8.matcher(Files.readString(file, StandardCharsets.US_ASCII));
        if (!m.find()) {
            return null;
        }
        PKCS8EncodedKeySpec spec =
                new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1)));
        for (String algorithm : ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // not this algorithm: try the next
            }
        }
        throw new InvalidKeySpecException(
                file + ": a PKCS#8 key of none of the algorithms " + ALGORITHMS + " (expected: one of them)");
    }

    /**
     * The certificates in {@code file}, in file order.
     *
     * @throws CertificateException if it holds none, or one that does not parse
     */
    static X509Certificate[] certificates(Path file) throws IOException, CertificateException {
        try (InputStream in = Files.newInputStream(file)) {
            X509Certificate[] chain = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast)
                    .toArray(X509Certificate[]::new);
            if (chain.length == 0) {
                throw new CertificateException(file + ": no certificate (expected: at least one PEM certificate)");
            }
            return chain;
        }
    }
}
