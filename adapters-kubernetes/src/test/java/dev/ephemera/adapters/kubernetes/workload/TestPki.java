package dev.ephemera.adapters.kubernetes.workload;

import dev.ephemera.domain.secret.Secret;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/** A throw-away PKI for tests, made with BouncyCastle: CAs, serving and client certificates, in ECDSA P-256 or RSA. */
final class TestPki {
    private static final SecureRandom RANDOM = new SecureRandom();

    enum Alg { EC, RSA }

    /** A certificate with its key. */
    record Issued(X509Certificate cert, KeyPair keys) {
        String certPem() {
            return pem(cert);
        }

        /** The key as PKCS #8 ({@code PRIVATE KEY}). */
        Secret keyPem() {
            return Secret.of(pemObject("PRIVATE KEY", keys.getPrivate().getEncoded()));
        }

        /** The key in the traditional form: SEC 1 ({@code EC PRIVATE KEY}) or PKCS #1 ({@code RSA PRIVATE KEY}). */
        Secret traditionalKeyPem() {
            try {
                PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
                if (keys.getPrivate() instanceof ECPrivateKey ec) {
                    // As OpenSSL, K3s and Go write it: curve and public half included.
                    var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(ec.getParams().getOrder().bitLength(), ec.getS(),
                            SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()).getPublicKeyData(),
                            info.getPrivateKeyAlgorithm().getParameters());
                    return Secret.of(pemObject("EC PRIVATE KEY", sec1.getEncoded()));
                }
                return Secret.of(pemObject("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded()));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        PrivateKey privateKey() {
            return keys.getPrivate();
        }
    }

    private TestPki() {
    }

    static Issued ca(String name, Alg alg) {
        KeyPair keys = keys(alg);
        X500Name subject = new X500Name("CN=" + name);
        X509v3CertificateBuilder b = builder(subject, subject, keys);
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new Issued(sign(b, keys.getPrivate()), keys);
    }

    /** A serving certificate for the given DNS names and IP addresses. */
    static Issued server(Issued ca, String cn, List<String> dns, List<String> ips, Alg alg) {
        KeyPair keys = keys(alg);
        X509v3CertificateBuilder b = builder(new X500Name(ca.cert().getSubjectX500Principal().getName()), new X500Name("CN=" + cn), keys);
        List<GeneralName> names = new ArrayList<>();
        dns.forEach(d -> names.add(new GeneralName(GeneralName.dNSName, d)));
        ips.forEach(i -> names.add(new GeneralName(GeneralName.iPAddress, i)));
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new Issued(sign(b, ca.privateKey()), keys);
    }

    /** A client certificate as Kubernetes reads it: CN is the user, O the group. */
    static Issued client(Issued ca, String user, String group, Alg alg) {
        KeyPair keys = keys(alg);
        X509v3CertificateBuilder b = builder(new X500Name(ca.cert().getSubjectX500Principal().getName()),
                new X500Name("CN=" + user + ",O=" + group), keys);
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new Issued(sign(b, ca.privateKey()), keys);
    }

    static String pem(X509Certificate cert) {
        try {
            return pemObject("CERTIFICATE", cert.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pemObject(String type, byte[] der) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w.toString();
    }

    private static KeyPair keys(Alg alg) {
        try {
            if (alg == Alg.EC) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
                return g.generateKeyPair();
            }
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048, RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey issuerKey) {
        try {
            String alg = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).build(issuerKey)));
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }
}
