package dev.ephemera.domain.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.secret.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PkiBundleTest {
    private static final String CA = "-----BEGIN CERTIFICATE-----\nMIIBcA==\n-----END CERTIFICATE-----\n";

    @Test
    @DisplayName("the K3s join-token CA hash is the SHA-256 of server-ca.crt's exact bytes")
    void k3sCaHashIsOverFileBytes() throws Exception {
        var bundle = new PkiBundle(List.of(new BundleFile(PkiBundle.K3S_SERVER_CA, Secret.of(CA), false)));
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(CA.getBytes(StandardCharsets.UTF_8)));
        assertThat(bundle.k3sCaHash()).isEqualTo(expected).hasSize(64);
    }

    @Test
    @DisplayName("the same path twice is refused, and the K3s files are keyed below server/tls/")
    void pathsAreUnique() {
        var ca = new BundleFile("k3s/server/tls/etcd/peer-ca.crt", Secret.of(CA), false);
        assertThatThrownBy(() -> new PkiBundle(List.of(ca, ca))).hasMessageContaining("twice");
        assertThat(new PkiBundle(List.of(ca)).k3sTlsFiles()).containsOnlyKeys("etcd/peer-ca.crt");
    }

    @Test
    @DisplayName("a bundle prints its paths, never a key")
    void toStringShowsPathsOnly() {
        var key = new BundleFile("admin.key", Secret.of("-----BEGIN PRIVATE KEY-----\nsecret\n"), true);
        assertThat(new PkiBundle(List.of(key)).toString()).contains("admin.key").doesNotContain("secret\n");
    }
}
