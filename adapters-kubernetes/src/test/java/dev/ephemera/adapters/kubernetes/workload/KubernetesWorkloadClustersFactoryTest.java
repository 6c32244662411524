package dev.ephemera.adapters.kubernetes.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.ports.workload.WorkloadClusters;
import dev.ephemera.ports.workload.WorkloadClustersFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the kubernetes WorkloadClustersFactory")
class KubernetesWorkloadClustersFactoryTest {
    @Test
    @DisplayName("is found by ServiceLoader under the name kubernetes, with its two settings and their defaults")
    void discoverable() {
        assertThat(ServiceLoader.load(WorkloadClustersFactory.class).stream().map(ServiceLoader.Provider::get))
                .anySatisfy(f -> {
                    assertThat(f).isInstanceOf(KubernetesWorkloadClustersFactory.class);
                    assertThat(f.name()).isEqualTo("kubernetes");
                    assertThat(f.description()).isNotBlank();
                    assertThat(f.settings()).extracting(SettingSpec::key).containsExactly("bootstrap-timeout", "request-timeout");
                    assertThat(f.settings()).extracting(SettingSpec::defaultValue).containsExactly(Optional.of("2m"), Optional.of("10s"));
                });
    }

    @Test
    @DisplayName("reads the defaults from an empty section, and the timeouts when given")
    void readsSettings() {
        assertThat(WorkloadSettings.from(Settings.empty("kubernetes"))).isEqualTo(WorkloadSettings.defaults());
        assertThat(WorkloadSettings.from(new Settings("kubernetes", Map.of("bootstrap-timeout", "5m", "request-timeout", "3s"))))
                .isEqualTo(new WorkloadSettings(Duration.ofMinutes(5), Duration.ofSeconds(3)));
        try (WorkloadClusters w = new KubernetesWorkloadClustersFactory().create(Settings.empty("kubernetes"))) {
            assertThat(w.health().up()).isTrue();
        }
    }

    @Test
    @DisplayName("refuses unknown settings, listing the known ones")
    void unknownSetting() {
        assertThatThrownBy(() -> new KubernetesWorkloadClustersFactory().create(new Settings("kubernetes", Map.of("bootstrap-timeuot", "1m"))))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("kubernetes.bootstrap-timeuot").hasMessageContaining("bootstrap-timeout, request-timeout");
    }

    @Test
    @DisplayName("refuses a timeout that is not a duration, or is zero")
    void badDurations() {
        assertThatThrownBy(() -> new KubernetesWorkloadClustersFactory().create(new Settings("kubernetes", Map.of("request-timeout", "soon"))))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("kubernetes.request-timeout");
        assertThatThrownBy(() -> new KubernetesWorkloadClustersFactory().create(new Settings("kubernetes", Map.of("bootstrap-timeout", "0s"))))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("kubernetes.bootstrap-timeout");
    }
}
