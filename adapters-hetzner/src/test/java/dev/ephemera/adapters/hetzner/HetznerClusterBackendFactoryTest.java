package dev.ephemera.adapters.hetzner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The hetzner backend factory")
class HetznerClusterBackendFactoryTest {
    @Test
    @DisplayName("is discoverable through ServiceLoader under the name hetzner")
    void discoverable() {
        assertThat(ServiceLoader.load(ClusterBackendFactory.class).stream().map(ServiceLoader.Provider::get))
                .anySatisfy(f -> {
                    assertThat(f).isInstanceOf(HetznerClusterBackendFactory.class);
                    assertThat(f.name()).isEqualTo("hetzner");
                    assertThat(f.description()).isNotBlank();
                });
    }

    @Test
    @DisplayName("lists its settings, the token secret and required")
    void listsSettings() {
        var settings = new HetznerClusterBackendFactory().settings();
        assertThat(settings).extracting(SettingSpec::key).contains("token", "api-url", "location", "server-type", "image",
                "k3s-version", "ssh-keys", "firewall", "installation", "dns-zone", "api-port", "primary-ip", "action-timeout");
        SettingSpec token = settings.stream().filter(s -> s.key().equals("token")).findFirst().orElseThrow();
        assertThat(token.secret()).isTrue();
        assertThat(token.required()).isTrue();
    }

    @Test
    @DisplayName("creates a backend with traits: no lease pool, Ephemera's PKI; without touching the network")
    void creates() {
        ClusterBackend b = new HetznerClusterBackendFactory().create(new Settings("hetzner", Map.of("token", "x")));
        assertThat(b.traits().leasePool()).isEmpty();
        assertThat(b.traits().usesEphemeraPki()).isTrue();
        assertThat(b.toString()).doesNotContain("token=x");
    }

    @Test
    @DisplayName("fails fast on a missing token, an unknown key, or an unpinned K3s version")
    void failsFast() {
        var f = new HetznerClusterBackendFactory();
        assertThatThrownBy(() -> f.create(new Settings("hetzner", Map.of())))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("hetzner.token");
        assertThatThrownBy(() -> f.create(new Settings("hetzner", Map.of("token", "x", "region", "fsn1"))))
                .hasMessageContaining("hetzner.region").hasMessageContaining("location");
        assertThatThrownBy(() -> f.create(new Settings("hetzner", Map.of("token", "x", "k3s-version", "stable"))))
                .hasMessageContaining("pinned");
        assertThatThrownBy(() -> f.create(new Settings("hetzner", Map.of("token", "x", "api-url", "http://api.example.com/v1"))))
                .hasMessageContaining("https");
    }
}
