package dev.ephemera.adapters.pki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.pki.KeyType;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.domain.pki.PkiRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** OpenSSL, an implementation that shares no code with ours, reads and verifies every file of a bundle. */
class OpenSslVerificationTest {
    private static final String K3S = PkiBundle.K3S_TLS_PREFIX;
    /** Each leaf (or CA) with the CA that must verify it. */
    private static final Map<String, String> SIGNED_BY = Map.of(
            "apiserver.crt", "ca.crt",
            "admin.crt", "client-ca.crt",
            K3S + "server-ca.crt", K3S + "server-ca.crt",
            K3S + "client-ca.crt", K3S + "client-ca.crt",
            K3S + "request-header-ca.crt", K3S + "request-header-ca.crt",
            K3S + "etcd/server-ca.crt", K3S + "etcd/server-ca.crt",
            K3S + "etcd/peer-ca.crt", K3S + "etcd/peer-ca.crt");

    @TempDir
    Path dir;

    @BeforeAll
    static void needsOpenSsl() {
        ExternalTool.require("openssl", "openssl");
    }

    private Path issue(KeyType keyType) throws Exception {
        PkiBundle bundle = new BouncyCastleCertificateAuthority(PkiSettings.defaults())
                .issue(PkiRequest.ofSans("pr-7", List.of("api.pr-7.example.com", "198.51.100.7"), keyType));
        Bundles.writeTo(bundle, dir);
        return dir;
    }

    private String file(String path) {
        return dir.resolve(path).toString();
    }

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"ECDSA_P256", "RSA_2048"})
    @DisplayName("openssl verify -CAfile accepts every leaf against its CA, for the purpose it was issued for")
    void verifiesEveryLeaf(KeyType keyType) throws Exception {
        issue(keyType);
        for (var e : SIGNED_BY.entrySet()) {
            var r = ExternalTool.run("openssl", "verify", "-x509_strict", "-CAfile", file(e.getValue()), file(e.getKey()));
            assertThat(r.exitCode()).as("%s against %s: %s", e.getKey(), e.getValue(), r.both()).isZero();
            assertThat(r.out()).contains(": OK");
        }
        assertThat(ExternalTool.run("openssl", "verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", file("ca.crt"),
                file("apiserver.crt")).exitCode()).isZero();
        assertThat(ExternalTool.run("openssl", "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", file("client-ca.crt"),
                file("admin.crt")).exitCode()).isZero();
    }

    @Test
    @DisplayName("openssl verify refuses a leaf against the wrong CA, and the admin certificate as a server")
    void refusesWrongCaAndPurpose() throws Exception {
        issue(KeyType.ECDSA_P256);
        assertThat(ExternalTool.run("openssl", "verify", "-CAfile", file("client-ca.crt"), file("apiserver.crt")).exitCode())
                .isNotZero();
        assertThat(ExternalTool.run("openssl", "verify", "-purpose", "sslserver", "-CAfile", file("client-ca.crt"),
                file("admin.crt")).exitCode()).isNotZero();
    }

    @Test
    @DisplayName("openssl x509 -text shows the CA, key usage, purpose, SAN and key identifier extensions")
    void showsExtensions() throws Exception {
        issue(KeyType.ECDSA_P256);

        String ca = ExternalTool.run("openssl", "x509", "-noout", "-text", "-in", file("ca.crt")).out();
        assertThat(ca).contains("X509v3 Basic Constraints: critical", "CA:TRUE, pathlen:0",
                "X509v3 Key Usage: critical", "Digital Signature, Certificate Sign, CRL Sign",
                "X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier",
                "ecdsa-with-SHA256", "NIST CURVE: P-256");

        String server = ExternalTool.run("openssl", "x509", "-noout", "-text", "-in", file("apiserver.crt")).out();
        assertThat(server).contains("CA:FALSE", "X509v3 Key Usage: critical", "Digital Signature",
                "X509v3 Extended Key Usage", "TLS Web Server Authentication",
                "DNS:api.pr-7.example.com", "DNS:kubernetes.default.svc.cluster.local", "DNS:localhost",
                "IP Address:198.51.100.7", "IP Address:127.0.0.1", "IP Address:10.43.0.1",
                "X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier");
        assertThat(server).doesNotContain("Key Encipherment", "TLS Web Client Authentication");

        String admin = ExternalTool.run("openssl", "x509", "-noout", "-text", "-in", file("admin.crt")).out();
        assertThat(admin).contains("Subject: O = system:masters, CN = ephemera-admin", "CA:FALSE",
                "TLS Web Client Authentication", "X509v3 Authority Key Identifier");
        assertThat(admin).doesNotContain("TLS Web Server Authentication", "Subject Alternative Name");
    }

    @Test
    @DisplayName("the authority key identifier of each leaf is its CA's subject key identifier")
    void keyIdentifiersLink() throws Exception {
        issue(KeyType.ECDSA_P256);
        String caSki = ExternalTool.run("openssl", "x509", "-noout", "-ext", "subjectKeyIdentifier", "-in", file("client-ca.crt"))
                .out().lines().skip(1).findFirst().orElseThrow().strip();
        String leafAki = ExternalTool.run("openssl", "x509", "-noout", "-ext", "authorityKeyIdentifier", "-in", file("admin.crt"))
                .out();
        assertThat(leafAki).contains(caSki);
    }

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"ECDSA_P256", "RSA_2048"})
    @DisplayName("openssl reads every private key, and each key's public half is its certificate's")
    void keysMatchCertificates(KeyType keyType) throws Exception {
        issue(keyType);
        for (String key : List.of("apiserver.key", "admin.key", K3S + "server-ca.key", K3S + "client-ca.key",
                K3S + "request-header-ca.key", K3S + "etcd/server-ca.key", K3S + "etcd/peer-ca.key")) {
            String cert = key.replaceFirst("\\.key$", ".crt");
            var fromKey = ExternalTool.run("openssl", "pkey", "-pubout", "-in", file(key));
            var fromCert = ExternalTool.run("openssl", "x509", "-noout", "-pubkey", "-in", file(cert));
            assertThat(fromKey.exitCode()).as("%s: %s", key, fromKey.err()).isZero();
            assertThat(fromKey.out()).as(key).isEqualTo(fromCert.out());
        }
        var serviceKey = ExternalTool.run("openssl", "pkey", "-noout", "-check", "-in", file(K3S + "service.key"));
        assertThat(serviceKey.exitCode()).as(serviceKey.both()).isZero();
    }
}
