package dev.ephemera.testkit.capi;

import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The admin kubeconfig the K3s control-plane provider writes to {@code <cluster>-kubeconfig}: the
 * server CA from {@code <cluster>-ca} as the trust anchor, and a fresh {@code kubernetes-admin}
 * ({@code system:masters}) client certificate signed with the client CA from {@code <cluster>-cca}.
 */
final class AdminKubeconfig {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AdminKubeconfig() {
    }

    static String render(String cluster, String server, String serverCaPem, String clientCaPem, String clientCaKeyPem) {
        try {
            X509Certificate clientCa = certificate(clientCaPem);
            PrivateKey caKey = privateKey(clientCaKeyPem);
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(clientCa, new BigInteger(64, RANDOM),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(365))),
                    new X500Name("O=system:masters,CN=kubernetes-admin"), kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            String alg = caKey.getAlgorithm().startsWith("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).build(caKey)));
            String user = cluster + "-admin";
            String context = user + "@" + cluster;
            return "apiVersion: v1\nkind: Config\nclusters:\n- name: " + cluster + "\n  cluster:\n    server: " + server
                    + "\n    certificate-authority-data: " + b64(serverCaPem)
                    + "\ncontexts:\n- name: " + context + "\n  context:\n    cluster: " + cluster + "\n    user: " + user
                    + "\ncurrent-context: " + context
                    + "\nusers:\n- name: " + user + "\n  user:\n    client-certificate-data: " + b64(pem(cert))
                    + "\n    client-key-data: " + b64(pem(kp.getPrivate())) + "\n";
        } catch (Exception e) {
            throw new IllegalStateException("cannot sign the admin kubeconfig of " + cluster + ": " + e.getMessage(), e);
        }
    }

    static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    static PrivateKey privateKey(String pem) throws Exception {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair kp) {
                return converter.getKeyPair(kp).getPrivate();
            }
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw new IllegalArgumentException("not a PEM private key");
        }
    }

    /** Whether {@code keyPem} is the private key of {@code certPem} (sign and verify a challenge). */
    static boolean matches(String certPem, String keyPem) {
        try {
            X509Certificate cert = certificate(certPem);
            PrivateKey key = privateKey(keyPem);
            String alg = key.getAlgorithm().startsWith("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            byte[] challenge = new byte[32];
            RANDOM.nextBytes(challenge);
            java.security.Signature s = java.security.Signature.getInstance(alg);
            s.initSign(key);
            s.update(challenge);
            byte[] sig = s.sign();
            java.security.Signature v = java.security.Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(challenge);
            return v.verify(sig);
        } catch (Exception e) {
            return false;
        }
    }

    private static String pem(Object o) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        }
        return w.toString();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
