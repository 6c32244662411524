package dev.ephemera.adapters.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.testkit.fake.vault.FakeVault;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The Vault secret sink")
class VaultSecretSinkTest {
    private static final String KUBECONFIG = "apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    token: abc.def\n";
    private FakeVault vault;

    @BeforeEach
    void start() {
        vault = FakeVault.start();
    }

    @AfterEach
    void stop() {
        try {
            assertThat(vault.specViolations()).isEmpty();
        } finally {
            vault.close();
        }
    }

    private VaultSecretSink sink(Map<String, Object> extra) {
        Map<String, Object> section = TestVaults.section(vault);
        section.putAll(extra);
        return new VaultSecretSink(TestVaults.client(section, Clock.systemUTC()));
    }

    @Test
    @DisplayName("puts a cluster's kubeconfig at the secret-path template, the secret name as the field")
    void followsTheTemplate() {
        VaultSecretSink sink = sink(Map.of("secret-path", "ci/{cluster}/access"));

        sink.put(SecretAddress.of("pr-42-shop", "kubeconfig"), Secret.of(KUBECONFIG));

        assertThat(vault.read("secret", "ci/pr-42-shop/access")).hasValueSatisfying(d -> assertThat(d.path("kubeconfig").asText()).isEqualTo(KUBECONFIG));
    }

    @Test
    @DisplayName("deleting the only secret of a cluster destroys every version and the metadata")
    void deleteDestroysAllVersions() {
        VaultSecretSink sink = sink(Map.of());
        SecretAddress a = SecretAddress.of("pr-42-shop", "kubeconfig");
        sink.put(a, Secret.of("v1"));
        sink.put(a, Secret.of("v2"));
        assertThat(vault.currentVersion("secret", "ephemera/clusters/pr-42-shop")).hasValue(2);

        sink.delete(a);

        assertThat(vault.currentVersion("secret", "ephemera/clusters/pr-42-shop")).isEmpty();
        assertThat(vault.requests()).anySatisfy(r -> {
            assertThat(r.method()).isEqualTo("DELETE");
            assertThat(r.path()).isEqualTo("secret/metadata/ephemera/clusters/pr-42-shop");
        });
    }

    @Test
    @DisplayName("deleting one of two secrets keeps the other and destroys the old versions that held it")
    void deleteOneOfTwo() {
        VaultSecretSink sink = sink(Map.of());
        sink.put(SecretAddress.of("c1", "kubeconfig"), Secret.of("secret-kubeconfig"));
        sink.put(SecretAddress.of("c1", "token"), Secret.of("keep-me"));

        sink.delete(SecretAddress.of("c1", "kubeconfig"));

        VaultClient raw = TestVaults.client(vault);
        assertThat(vault.read("secret", "ephemera/clusters/c1")).hasValueSatisfying(d -> {
            assertThat(d.has("kubeconfig")).isFalse();
            assertThat(d.path("token").asText()).isEqualTo("keep-me");
        });
        VaultClient.Metadata meta = raw.metadata("ephemera/clusters/c1").orElseThrow();
        assertThat(meta.currentVersion()).isEqualTo(3);
        assertThat(meta.versions().get(1L).destroyed()).isTrue();
        assertThat(meta.versions().get(2L).destroyed()).isTrue();
        assertThat(meta.versions().get(3L).destroyed()).isFalse();
    }

    @Test
    @DisplayName("works on a mount with cas_required, since every write carries check-and-set")
    void casRequiredMount() {
        vault.casRequired("secret", true);
        VaultSecretSink sink = sink(Map.of());

        sink.put(SecretAddress.of("c1", "kubeconfig"), Secret.of("one"));
        sink.put(SecretAddress.of("c1", "kubeconfig"), Secret.of("two"));

        assertThat(vault.read("secret", "ephemera/clusters/c1")).hasValueSatisfying(d -> assertThat(d.path("kubeconfig").asText()).isEqualTo("two"));
    }

    @Test
    @DisplayName("a put after a soft delete outside Ephemera writes over the deleted version")
    void putAfterSoftDelete() {
        VaultSecretSink sink = sink(Map.of());
        sink.put(SecretAddress.of("c1", "kubeconfig"), Secret.of("one"));
        VaultHttp http = new VaultHttp(TestVaults.vaultSettings(TestVaults.section(vault)),
                TestVaults.fast(TestVaults.vaultSettings(TestVaults.section(vault))), dev.ephemera.retry.Sleeper.SYSTEM);
        http.send("DELETE", "secret/data/ephemera/clusters/c1", java.util.Optional.empty(), java.util.Optional.of(Secret.of(vault.rootToken())), true);

        sink.put(SecretAddress.of("c1", "kubeconfig"), Secret.of("two"));

        assertThat(vault.currentVersion("secret", "ephemera/clusters/c1")).hasValue(2);
    }

    @Test
    @DisplayName("a scope that would climb out of the template is INVALID")
    void refusesEscapingScope() {
        VaultSecretSink sink = sink(Map.of());

        assertThatThrownBy(() -> sink.put(SecretAddress.of("../../sys", "kubeconfig"), Secret.of("x")))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID));
        assertThatThrownBy(() -> sink.put(SecretAddress.of("", "kubeconfig"), Secret.of("x")))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID));
    }
}
