package dev.ephemera.adapters.pki;

import static dev.ephemera.adapters.pki.Bundles.certificate;
import static dev.ephemera.adapters.pki.Bundles.privateKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.pki.BundleFile;
import dev.ephemera.domain.pki.KeyType;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.domain.pki.PkiRequest;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BouncyCastleCertificateAuthorityTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final String K3S = PkiBundle.K3S_TLS_PREFIX;
    private static final List<String> CA_CERTS = List.of(PkiBundle.SERVER_CA, PkiBundle.CLIENT_CA, K3S + "server-ca.crt",
            K3S + "client-ca.crt", K3S + "request-header-ca.crt", K3S + "etcd/server-ca.crt", K3S + "etcd/peer-ca.crt");

    private final BouncyCastleCertificateAuthority ca = new BouncyCastleCertificateAuthority(PkiSettings.defaults(), CLOCK);

    private static PkiRequest request(KeyType keyType) {
        return PkiRequest.ofSans("pr-42-shop", List.of("api.pr-42.example.com", "203.0.113.10"), keyType);
    }

    @Test
    @DisplayName("a bundle holds the top-level files and the K3s server/tls tree, keys marked private")
    void bundleLayout() {
        PkiBundle bundle = ca.issue(request(null));

        assertThat(bundle.files()).extracting(BundleFile::path).containsExactlyInAnyOrder(
                "ca.crt", "client-ca.crt", "apiserver.crt", "apiserver.key", "admin.crt", "admin.key",
                K3S + "server-ca.crt", K3S + "server-ca.key", K3S + "client-ca.crt", K3S + "client-ca.key",
                K3S + "request-header-ca.crt", K3S + "request-header-ca.key",
                K3S + "etcd/server-ca.crt", K3S + "etcd/server-ca.key", K3S + "etcd/peer-ca.crt", K3S + "etcd/peer-ca.key",
                K3S + "service.key");
        assertThat(bundle.files()).allSatisfy(f -> assertThat(f.privateKey()).isEqualTo(f.path().endsWith(".key")));
        assertThat(bundle.serverCaPem()).isEqualTo(bundle.file(K3S + "server-ca.crt").orElseThrow().content().reveal());
        assertThat(bundle.clientCaPem()).isEqualTo(bundle.file(K3S + "client-ca.crt").orElseThrow().content().reveal());
        assertThat(bundle.toString()).doesNotContain("PRIVATE KEY");
    }

    @Test
    @DisplayName("K3s keys are in the forms K3s writes (SEC 1, PKCS #1); the stand-alone keys are PKCS #8")
    void keyEncodings() {
        PkiBundle ecdsa = ca.issue(request(KeyType.ECDSA_P256));
        assertThat(ecdsa.k3sTlsFiles().values()).filteredOn(BundleFile::privateKey)
                .allSatisfy(f -> assertThat(f.content().reveal()).startsWith("-----BEGIN EC PRIVATE KEY-----\n"));
        assertThat(ecdsa.adminKeyPem().reveal()).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(ecdsa.apiServerKeyPem().reveal()).startsWith("-----BEGIN PRIVATE KEY-----\n");

        PkiBundle rsa = ca.issue(request(KeyType.RSA_2048));
        assertThat(rsa.k3sTlsFiles().values()).filteredOn(BundleFile::privateKey)
                .allSatisfy(f -> assertThat(f.content().reveal()).startsWith("-----BEGIN RSA PRIVATE KEY-----\n"));
    }

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"ECDSA_P256", "RSA_2048"})
    @DisplayName("every certificate is signed by its CA and every key belongs to its certificate")
    void chainsAndKeysMatch(KeyType keyType) throws Exception {
        PkiBundle bundle = ca.issue(request(keyType));

        for (String path : CA_CERTS) {
            X509Certificate c = certificate(bundle, path);
            c.verify(c.getPublicKey());
        }
        certificate(bundle, "apiserver.crt").verify(certificate(bundle, "ca.crt").getPublicKey());
        certificate(bundle, "admin.crt").verify(certificate(bundle, "client-ca.crt").getPublicKey());

        for (BundleFile f : bundle.files()) {
            if (f.privateKey() && !f.path().endsWith("service.key")) {
                String certPath = f.path().replaceFirst("\\.key$", ".crt");
                assertThat(signsFor(privateKey(f.content().reveal()), certificate(bundle, certPath).getPublicKey()))
                        .as("%s belongs to %s", f.path(), certPath).isTrue();
            }
        }
        PublicKey any = certificate(bundle, "admin.crt").getPublicKey();
        assertThat(privateKey(bundle, K3S + "service.key").getAlgorithm()).isEqualTo(any.getAlgorithm());
    }

    @Test
    @DisplayName("CAs: CA:true with path length 0, keyCertSign and cRLSign, critical, with key identifiers")
    void caExtensions() {
        PkiBundle bundle = ca.issue(request(null));
        for (String path : CA_CERTS) {
            X509Certificate c = certificate(bundle, path);
            assertThat(c.getBasicConstraints()).as(path).isEqualTo(0);
            assertThat(c.getCriticalExtensionOIDs()).as(path).contains("2.5.29.19", "2.5.29.15");
            boolean[] ku = c.getKeyUsage();
            assertThat(ku[0]).as("digitalSignature").isTrue();
            assertThat(ku[5]).as("keyCertSign").isTrue();
            assertThat(ku[6]).as("cRLSign").isTrue();
            assertThat(c.getExtensionValue("2.5.29.14")).as("subject key identifier").isNotNull();
            assertThat(c.getExtensionValue("2.5.29.35")).as("authority key identifier").isNotNull();
            assertThat(c.getSubjectX500Principal()).isEqualTo(c.getIssuerX500Principal());
            assertThat(c.getSubjectX500Principal().getName()).contains("OU=pr-42-shop");
        }
        Set<X500Principal> subjects = CA_CERTS.subList(2, CA_CERTS.size()).stream()
                .map(p -> certificate(bundle, p).getSubjectX500Principal()).collect(Collectors.toSet());
        assertThat(subjects).as("the five CAs have five subjects").hasSize(5);
    }

    @Test
    @DisplayName("the API server certificate serves TLS for the given SANs plus the names K3s uses")
    void apiServerCertificate() throws Exception {
        PkiBundle bundle = ca.issue(request(null));
        X509Certificate c = certificate(bundle, "apiserver.crt");

        assertThat(c.getBasicConstraints()).isEqualTo(-1);
        assertThat(c.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(c.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(c.getKeyUsage()[2]).as("no keyEncipherment for ECDSA").isFalse();
        assertThat(c.getKeyUsage()[5]).as("cannot sign certificates").isFalse();
        assertThat(c.getSubjectAlternativeNames()).extracting(n -> n.get(1).toString()).containsExactly(
                "api.pr-42.example.com", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local", "localhost", "203.0.113.10", "127.0.0.1", "0:0:0:0:0:0:0:1", "10.43.0.1");
        assertThat(c.getIssuerX500Principal()).isEqualTo(certificate(bundle, "ca.crt").getSubjectX500Principal());
    }

    @Test
    @DisplayName("the admin certificate is a client certificate for CN=ephemera-admin in group system:masters")
    void adminCertificate() throws Exception {
        PkiBundle bundle = ca.issue(request(null));
        X509Certificate c = certificate(bundle, "admin.crt");

        assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=ephemera-admin,O=system:masters");
        assertThat(c.getIssuerX500Principal()).isEqualTo(certificate(bundle, "client-ca.crt").getSubjectX500Principal());
        assertThat(c.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(c.getBasicConstraints()).isEqualTo(-1);
        assertThat(c.getSubjectAlternativeNames()).isNull();
    }

    @Test
    @DisplayName("RSA leaves also allow keyEncipherment, for TLS 1.2 RSA key exchange")
    void rsaKeyEncipherment() {
        PkiBundle bundle = ca.issue(request(KeyType.RSA_2048));
        X509Certificate c = certificate(bundle, "apiserver.crt");
        assertThat(c.getKeyUsage()[0]).isTrue();
        assertThat(c.getKeyUsage()[2]).isTrue();
        assertThat(((RSAPublicKey) c.getPublicKey()).getModulus().bitLength()).isEqualTo(2048);
        assertThat(c.getSigAlgName()).isEqualTo("SHA256withRSA");
    }

    @Test
    @DisplayName("not-before is backdated, CAs last 10 years and leaves 1 year by default")
    void validity() {
        PkiBundle bundle = ca.issue(request(null));
        X509Certificate root = certificate(bundle, "ca.crt");
        X509Certificate leaf = certificate(bundle, "apiserver.crt");

        assertThat(root.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofHours(1)));
        assertThat(leaf.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofHours(1)));
        assertThat(root.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(3650)));
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(365)));
    }

    @Test
    @DisplayName("a leaf never outlives its CA")
    void leafCappedByCa() {
        PkiBundle bundle = ca.issue(request(null).withValidity(Duration.ofDays(30), Duration.ofDays(400)));
        assertThat(certificate(bundle, "admin.crt").getNotAfter()).isEqualTo(certificate(bundle, "client-ca.crt").getNotAfter());
    }

    @Test
    @DisplayName("the configured key type and validities apply when the request names none; the request wins when it does")
    void settingsAreDefaults() {
        var rsaByDefault = new BouncyCastleCertificateAuthority(
                new PkiSettings(KeyType.RSA_2048, Duration.ofDays(100), Duration.ofDays(10), Duration.ofMinutes(5)), CLOCK);

        PkiBundle defaulted = rsaByDefault.issue(request(null));
        assertThat(certificate(defaulted, "ca.crt").getPublicKey()).isInstanceOf(RSAPublicKey.class);
        assertThat(certificate(defaulted, "ca.crt").getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(100)));
        assertThat(certificate(defaulted, "admin.crt").getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(10)));
        assertThat(certificate(defaulted, "admin.crt").getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofMinutes(5)));

        PkiBundle chosen = rsaByDefault.issue(request(KeyType.ECDSA_P256));
        assertThat(certificate(chosen, "ca.crt").getPublicKey()).isInstanceOf(ECPublicKey.class);
        assertThat(certificate(chosen, "ca.crt").getSigAlgName()).isEqualTo("SHA256withECDSA");
    }

    @Test
    @DisplayName("serials are random, positive and at most 128 bits")
    void serials() {
        Set<BigInteger> seen = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            PkiBundle bundle = ca.issue(request(null));
            for (BundleFile f : bundle.files()) {
                if (f.path().endsWith(".crt")) {
                    BigInteger serial = certificate(f.content().reveal()).getSerialNumber();
                    assertThat(serial.signum()).isPositive();
                    assertThat(serial.bitLength()).isLessThanOrEqualTo(128);
                    // the top-level ca.crt / client-ca.crt repeat the K3s files, so count each once per bundle
                    seen.add(serial);
                }
            }
        }
        assertThat(seen).hasSize(5 * 7);
    }

    @Test
    @DisplayName("two bundles share no key: another cluster's CA signs nothing of ours")
    void bundlesAreIndependent() {
        PkiBundle a = ca.issue(request(null));
        PkiBundle b = ca.issue(request(null));
        assertThat(a.adminKeyPem()).isNotEqualTo(b.adminKeyPem());
        assertThat(certificate(a, "ca.crt").getPublicKey()).isNotEqualTo(certificate(b, "ca.crt").getPublicKey());
        assertThat(a.k3sCaHash()).isNotEqualTo(b.k3sCaHash());
    }

    @Test
    @DisplayName("the request's cluster name lands in the subjects, escaped where a DN needs it")
    void clusterNameInSubject() {
        PkiBundle bundle = ca.issue(new PkiRequest("team,a+b", List.of(), List.of(), Optional.empty(), Optional.empty(), Optional.empty()));
        assertThat(certificate(bundle, "ca.crt").getSubjectX500Principal().getName()).contains("OU=team\\,a\\+b");
    }

    private static boolean signsFor(PrivateKey key, PublicKey pub) throws Exception {
        String alg = pub instanceof RSAPublicKey ? "SHA256withRSA" : "SHA256withECDSA";
        byte[] data = "proof".getBytes(StandardCharsets.UTF_8);
        Signature s = Signature.getInstance(alg);
        s.initSign(key);
        s.update(data);
        byte[] sig = s.sign();
        Signature v = Signature.getInstance(alg);
        v.initVerify(pub);
        v.update(data);
        return v.verify(sig);
    }
}
