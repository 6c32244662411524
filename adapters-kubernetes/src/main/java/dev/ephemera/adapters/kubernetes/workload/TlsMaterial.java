package dev.ephemera.adapters.kubernetes.workload;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.workload.AdminAccess;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * The TLS side of an {@link AdminAccess}: trust in the cluster CA alone (never the JDK's public
 * roots, so a publicly trusted certificate for the same address cannot stand in for the cluster),
 * and the admin client certificate as the key manager. Keys are read with BouncyCastle because
 * clusters hand them out as PKCS #8, SEC 1 ({@code EC PRIVATE KEY}) or PKCS #1 ({@code RSA PRIVATE KEY}).
 */
final class TlsMaterial {
    private static final char[] STORE_PASSWORD = "ephemera".toCharArray();

    private final KeyManager[] keyManagers;
    private final TrustManager[] trustManagers;
    private final SSLContext sslContext;

    private TlsMaterial(KeyManager[] keyManagers, TrustManager[] trustManagers, SSLContext sslContext) {
        this.keyManagers = keyManagers;
        this.trustManagers = trustManagers;
        this.sslContext = sslContext;
    }

    /** Reads the PEMs; a malformed one is INVALID (retrying cannot fix it), naming which one and the server. */
    static TlsMaterial of(AdminAccess access) {
        String where = " of the admin access to " + access.server();
        if (access.server() == null || !"https".equalsIgnoreCase(access.server().getScheme()) || access.server().getHost() == null) {
            throw EphemeraException.invalid("the API server URL '" + access.server() + "' is not an https URL with a host, "
                    + "e.g. https://203.0.113.10:6443; the admin certificate is only ever sent over verified TLS");
        }
        List<X509Certificate> cas = certificates(access.caPem(), "cluster CA" + where);
        List<X509Certificate> chain = certificates(access.clientCertPem(), "admin client certificate" + where);
        PrivateKey key = privateKey(access.clientKeyPem().reveal(), "admin client key" + where);
        checkPair(key, chain.get(0), where);
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("admin", key, STORE_PASSWORD, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, STORE_PASSWORD);

            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                trust.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);

            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
            return new TlsMaterial(kmf.getKeyManagers(), tmf.getTrustManagers(), ctx);
        } catch (GeneralSecurityException | IOException e) {
            throw new EphemeraException(ErrorCode.INVALID, "cannot build TLS settings" + where + ": " + e.getMessage(), e);
        }
    }

    KeyManager[] keyManagers() {
        return keyManagers.clone();
    }

    TrustManager[] trustManagers() {
        return trustManagers.clone();
    }

    SSLContext sslContext() {
        return sslContext;
    }

    private static List<X509Certificate> certificates(String pem, String what) {
        if (pem == null || !pem.contains("-----BEGIN CERTIFICATE-----")) {
            throw EphemeraException.invalid("the " + what + " is not a PEM certificate (no BEGIN CERTIFICATE block)");
        }
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : f.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw EphemeraException.invalid("the " + what + " holds no certificate");
            }
            return List.copyOf(out);
        } catch (GeneralSecurityException e) {
            throw new EphemeraException(ErrorCode.INVALID, "the " + what + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(String pem, String what) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMKeyPair pair) {
                    // The public half is optional in SEC 1 (RFC 5915), so only the private key info is converted.
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw EphemeraException.invalid("the " + what + " is encrypted; give it unencrypted (the cluster's own admin key is)");
                }
                // EC PARAMETERS blocks and the like come before the key: skip them.
            }
        } catch (IOException e) {
            throw new EphemeraException(ErrorCode.INVALID, "the " + what + " cannot be read as PEM: " + e.getMessage(), e);
        }
        throw EphemeraException.invalid("the " + what + " holds no PEM private key (PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)");
    }

    /** A key that does not belong to the certificate would only show as a handshake failure; say so plainly instead. */
    private static void checkPair(PrivateKey key, X509Certificate cert, String where) {
        String alg = switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw EphemeraException.invalid("the admin client key" + where + " is a " + key.getAlgorithm()
                    + " key; use an ECDSA, RSA or Ed25519 key");
        };
        try {
            byte[] probe = "ephemera key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(alg);
            signer.initSign(key);
            signer.update(probe);
            byte[] sig = signer.sign();
            Signature verifier = Signature.getInstance(alg);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            if (!verifier.verify(sig)) {
                throw EphemeraException.invalid("the admin client key" + where + " does not belong to the admin client certificate ("
                        + cert.getSubjectX500Principal().getName() + ")");
            }
        } catch (GeneralSecurityException e) {
            throw new EphemeraException(ErrorCode.INVALID, "the admin client key" + where + " does not match the admin client certificate ("
                    + cert.getSubjectX500Principal().getName() + "): " + e.getMessage(), e);
        }
    }
}
