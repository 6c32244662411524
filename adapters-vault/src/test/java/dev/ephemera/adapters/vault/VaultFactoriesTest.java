package dev.ephemera.adapters.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.ports.lease.LeaseStoreFactory;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.ports.secret.SecretSink;
import dev.ephemera.ports.secret.SecretSinkFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.fake.vault.FakeVault;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The Vault factories")
class VaultFactoriesTest {
    private static LeaseStoreFactory storeFactory() {
        return ServiceLoader.load(LeaseStoreFactory.class).stream().map(ServiceLoader.Provider::get)
                .filter(f -> f.name().equals("vault")).findFirst().orElseThrow();
    }

    private static SecretSinkFactory sinkFactory() {
        return ServiceLoader.load(SecretSinkFactory.class).stream().map(ServiceLoader.Provider::get)
                .filter(f -> f.name().equals("vault")).findFirst().orElseThrow();
    }

    @Test
    @DisplayName("are discoverable through ServiceLoader under the name 'vault'")
    void discoverable() {
        assertThat(storeFactory()).isInstanceOf(VaultLeaseStoreFactory.class);
        assertThat(sinkFactory()).isInstanceOf(VaultSecretSinkFactory.class);
    }

    @Test
    @DisplayName("both list every key of the shared vault: section, token and secret-id as secrets")
    void listSettings() {
        for (var specs : java.util.List.of(storeFactory().settings(), sinkFactory().settings())) {
            assertThat(specs).extracting(SettingSpec::key).containsExactlyInAnyOrder("address", "namespace", "mount", "prefix", "auth", "token",
                    "role-id", "secret-id", "kubernetes-role", "kubernetes-token-file", "approle-mount", "kubernetes-mount", "ca-cert",
                    "secret-path", "max-retries", "timeout");
            assertThat(specs).filteredOn(SettingSpec::secret).extracting(SettingSpec::key).containsExactlyInAnyOrder("token", "secret-id");
            assertThat(specs).filteredOn(s -> s.key().equals("mount")).singleElement().satisfies(s -> assertThat(s.defaultValue()).contains("secret"));
        }
    }

    @Test
    @DisplayName("refuse unknown keys and incomplete auth settings before touching the network")
    void failFast() {
        Settings unknown = new Settings("vault", Map.of("address", "http://127.0.0.1:1", "token", "t", "adress", "typo"));
        assertThatThrownBy(() -> storeFactory().create(unknown))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("adress");

        Settings noToken = new Settings("vault", Map.of("address", "http://127.0.0.1:1"));
        assertThatThrownBy(() -> storeFactory().create(noToken)).hasMessageContaining("vault.token is missing");

        Settings approle = new Settings("vault", Map.of("address", "http://127.0.0.1:1", "auth", "approle", "role-id", "r"));
        assertThatThrownBy(() -> sinkFactory().create(approle)).hasMessageContaining("vault.secret-id");

        Settings badAuth = new Settings("vault", Map.of("address", "http://127.0.0.1:1", "auth", "ldap"));
        assertThatThrownBy(() -> sinkFactory().create(badAuth)).hasMessageContaining("token, approle or kubernetes");

        Settings badPath = new Settings("vault", Map.of("address", "http://127.0.0.1:1", "token", "t", "secret-path", "clusters/static"));
        assertThatThrownBy(() -> sinkFactory().create(badPath)).hasMessageContaining("{cluster}");

        Settings badAddress = new Settings("vault", Map.of("address", "vault:8200", "token", "t"));
        assertThatThrownBy(() -> sinkFactory().create(badAddress)).hasMessageContaining("http(s) URL");
    }

    @Test
    @DisplayName("settings render without the token")
    void settingsHideSecrets() {
        VaultSettings s = VaultSettings.from(new Settings("vault", Map.of("address", "http://127.0.0.1:1", "token", "s3cr3t-token")));
        assertThat(s.toString()).doesNotContain("s3cr3t-token");
    }

    @Test
    @DisplayName("create a working store and sink against Vault")
    void createWorkingAdapters() {
        try (FakeVault vault = FakeVault.start()) {
            Map<String, Object> section = new HashMap<>(TestVaults.section(vault));
            try (LeaseStore store = storeFactory().create(new Settings("vault", section));
                 SecretSink sink = sinkFactory().create(new Settings("vault", section))) {
                assertThat(store.pools()).isEmpty();
                assertThat(store.health().up()).isTrue();
                sink.put(SecretAddress.of("c1", "kubeconfig"), Secret.of("x"));
                assertThat(vault.read("secret", "ephemera/clusters/c1")).isPresent();
            }
        }
    }
}
