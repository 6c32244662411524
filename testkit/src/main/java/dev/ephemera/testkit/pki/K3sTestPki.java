package dev.ephemera.testkit.pki;

import dev.ephemera.domain.pki.BundleFile;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.domain.secret.Secret;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;

/**
 * A fresh K3s PKI bundle for the backends' tests (shared by the Hetzner and Docker ones), made directly with BouncyCastle: the five CA pairs and the
 * service-account key K3s looks for, plus our admin client certificate (signed by the client CA)
 * and the server CA as {@code ca.crt}.
 */
public final class K3sTestPki {
    private static final SecureRandom RANDOM = new SecureRandom();

    private K3sTestPki() {
    }

    /** @param keyAlgorithm {@code EC} (P-256) or {@code RSA-<bits>} */
    public static PkiBundle bundle(String keyAlgorithm) {
        List<BundleFile> files = new ArrayList<>();
        KeyPair serverCa = null;
        X509Certificate serverCaCert = null;
        KeyPair clientCa = null;
        X509Certificate clientCaCert = null;
        for (String ca : List.of("server-ca", "client-ca", "request-header-ca", "etcd/peer-ca", "etcd/server-ca")) {
            KeyPair kp = keyPair(keyAlgorithm);
            X509Certificate cert = ca(ca.replace('/', '-') + "@ephemera-test", kp);
            files.add(new BundleFile(PkiBundle.K3S_TLS_PREFIX + ca + ".crt", Secret.of(pem(cert)), false));
            files.add(new BundleFile(PkiBundle.K3S_TLS_PREFIX + ca + ".key", Secret.of(pem(kp.getPrivate())), true));
            if (ca.equals("server-ca")) {
                serverCa = kp;
                serverCaCert = cert;
            }
            if (ca.equals("client-ca")) {
                clientCa = kp;
                clientCaCert = cert;
            }
        }
        files.add(new BundleFile(PkiBundle.K3S_TLS_PREFIX + "service.key", Secret.of(pem(keyPair(keyAlgorithm).getPrivate())), true));
        KeyPair admin = keyPair("EC");
        X509Certificate adminCert = leaf("O=system:masters,CN=ephemera-admin", admin, clientCaCert, clientCa);
        files.add(new BundleFile(PkiBundle.SERVER_CA, Secret.of(pem(serverCaCert)), false));
        files.add(new BundleFile(PkiBundle.CLIENT_CA, Secret.of(pem(clientCaCert)), false));
        files.add(new BundleFile(PkiBundle.ADMIN_CERT, Secret.of(pem(adminCert)), false));
        files.add(new BundleFile(PkiBundle.ADMIN_KEY, Secret.of(pem(admin.getPrivate())), true));
        return new PkiBundle(files);
    }

    /** An HTTP client that trusts the bundle's server CA and presents the admin certificate. */
    public static HttpClient adminClient(PkiBundle pki) {
        return client(pki.serverCaPem(), pki.adminCertPem(), pki.adminKeyPem().reveal());
    }

    /** An HTTP client that trusts the bundle's server CA and presents no certificate. */
    public static HttpClient anonymousClient(PkiBundle pki) {
        return client(pki.serverCaPem(), null, null);
    }

    public static HttpClient client(String caPem, String certPem, String keyPem) {
        try {
            char[] pw = "t".toCharArray();
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", certificate(caPem));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            if (certPem != null) {
                keys.setKeyEntry("admin", privateKey(keyPem), pw, new java.security.cert.Certificate[] {certificate(certPem)});
            }
            kmf.init(keys, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), RANDOM);
            return HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(5)).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    }

    public static PrivateKey privateKey(String pem) throws Exception {
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            Object o = p.readObject();
            JcaPEMKeyConverter c = new JcaPEMKeyConverter();
            return o instanceof PEMKeyPair kp ? c.getKeyPair(kp).getPrivate() : c.getPrivateKey((PrivateKeyInfo) o);
        }
    }

    private static KeyPair keyPair(String algorithm) {
        try {
            if (algorithm.startsWith("RSA")) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(Integer.parseInt(algorithm.substring(4)));
                return g.generateKeyPair();
            }
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sigAlg(KeyPair kp) {
        return kp.getPrivate().getAlgorithm().startsWith("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    }

    private static X509Certificate ca(String cn, KeyPair kp) {
        try {
            X500Name name = new X500Name("CN=" + cn);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(64, RANDOM),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(3650))), name, kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(sigAlg(kp)).build(kp.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate leaf(String subject, KeyPair kp, X509Certificate issuer, KeyPair issuerKey) {
        try {
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(30))), new X500Name(subject), kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(sigAlg(issuerKey)).build(issuerKey.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(Object o) {
        try {
            StringWriter w = new StringWriter();
            try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
                pw.writeObject(o instanceof PrivateKey k ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null) : o);
            }
            return w.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
