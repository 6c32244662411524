package dev.ephemera.application.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The lifecycle: section")
class LifecycleSettingsTest {

    @Test
    @DisplayName("denies every repository by default and sends the kubeconfig to environment pr-N of the same repository")
    void defaults() {
        LifecycleSettings s = LifecycleSettings.from(Settings.empty("lifecycle"), "hetzner");
        assertThat(s.repositories()).isEmpty();
        assertThat(s.allows("acme/shop")).isFalse();
        assertThat(s.backend()).isEqualTo("hetzner");
        assertThat(s.forks()).isFalse();
        assertThat(s.onDraft()).isEqualTo(LifecycleSettings.DraftPolicy.KEEP);
        assertThat(s.requiredLabel()).isEmpty();
        assertThat(s.commentInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.kubeconfigTarget("acme/shop", 42).toString()).isEqualTo("github:acme/shop@pr-42:E2E_KUBECONFIG");
        assertThat(s.clusterIdFor("acme/shop", 42).value()).isEqualTo("pr-42-shop");
    }

    @Test
    @DisplayName("reads every key, matching repositories without regard to case")
    void readsEveryKey() {
        LifecycleSettings s = LifecycleSettings.from(new Settings("lifecycle", Map.of("repositories", List.of("Acme/Shop", "acme/api"),
                "backend", "kind", "size", "cpx31", "ttl", "6h", "cluster-id", "e2e-{repo}-{number}", "kubeconfig-to", "vault:ci/{repository}:pr-{number}",
                "converted-to-draft", "release", "required-label", "ephemeral-cluster", "forks", "true", "comment-interval", "0s")), "hetzner");
        assertThat(s.allows("acme/shop")).isTrue();
        assertThat(s.allows("ACME/API")).isTrue();
        assertThat(s.allows("acme/other")).isFalse();
        assertThat(s.backend()).isEqualTo("kind");
        assertThat(s.spec().size()).contains("cpx31");
        assertThat(s.ttl()).contains(Duration.ofHours(6));
        assertThat(s.clusterIdFor("acme/shop", 3).value()).isEqualTo("e2e-shop-3");
        assertThat(s.kubeconfigTarget("acme/shop", 3).toString()).isEqualTo("vault:ci/acme/shop:pr-3");
        assertThat(s.onDraft()).isEqualTo(LifecycleSettings.DraftPolicy.RELEASE);
        assertThat(s.requiredLabel()).contains("ephemeral-cluster");
        assertThat(s.forks()).isTrue();
        assertThat(s.commentInterval()).isZero();
    }

    @Test
    @DisplayName("refuses a bad repository, draft policy or id pattern as a configuration error that names the key")
    void refusesBadValues() {
        assertThatThrownBy(() -> LifecycleSettings.from(new Settings("lifecycle", Map.of("repositories", "shop")), "kind"))
                .isInstanceOf(EphemeraException.class).hasMessageContaining("OWNER/REPO")
                .satisfies(e -> assertThat(((EphemeraException) e).code()).isEqualTo(ErrorCode.CONFIGURATION));
        assertThatThrownBy(() -> LifecycleSettings.from(new Settings("lifecycle", Map.of("converted-to-draft", "drop")), "kind"))
                .hasMessageContaining("keep or release");
        assertThatThrownBy(() -> LifecycleSettings.from(new Settings("lifecycle", Map.of("cluster-id", "shop")), "kind"))
                .hasMessageContaining("{number}");
        assertThatThrownBy(() -> LifecycleSettings.from(new Settings("lifecycle", Map.of("kubeconfig-to", "github:acme/shop:KUBECONFIG")), "kind"))
                .hasMessageContaining("{number}");
        assertThat(LifecycleSettings.denyAll("kind").ttl()).isEqualTo(Optional.empty());
    }
}
