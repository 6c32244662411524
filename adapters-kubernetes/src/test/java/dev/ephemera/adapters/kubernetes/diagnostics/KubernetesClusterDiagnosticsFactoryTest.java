package dev.ephemera.adapters.kubernetes.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.diagnostics.ClusterDiagnosticsFactory;
import dev.ephemera.ports.diagnostics.DiagnosticsRequest;
import dev.ephemera.ports.spi.Settings;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The kubernetes ClusterDiagnostics")
class KubernetesClusterDiagnosticsFactoryTest {
    @Test
    @DisplayName("is found by ServiceLoader under the name kubernetes, and reads no settings")
    void discoverable() {
        assertThat(ServiceLoader.load(ClusterDiagnosticsFactory.class).stream().map(ServiceLoader.Provider::get))
                .singleElement().satisfies(f -> {
                    assertThat(f.name()).isEqualTo("kubernetes");
                    assertThat(f.settings()).isEmpty();
                    assertThat(f.create(Settings.empty("kubernetes"))).isInstanceOf(KubernetesClusterDiagnostics.class);
                });
    }

    @Test
    @DisplayName("refuses a kubeconfig it cannot use, and an unreachable API server, with the right codes")
    void badTargets() {
        var d = new KubernetesClusterDiagnostics();
        assertThatThrownBy(() -> d.collect(request("this is: [not a kubeconfig")))
                .isInstanceOf(EphemeraException.class).extracting(e -> ((EphemeraException) e).code()).isEqualTo(ErrorCode.INVALID);
        String unreachable = "apiVersion: v1\nkind: Config\nclusters:\n- name: x\n  cluster:\n    server: http://127.0.0.1:1\n"
                + "users:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: x\n  context:\n    cluster: x\n    user: u\ncurrent-context: x\n";
        assertThatThrownBy(() -> d.collect(request(unreachable)))
                .isInstanceOf(EphemeraException.class).extracting(e -> ((EphemeraException) e).code()).isEqualTo(ErrorCode.UNAVAILABLE);
    }

    @Test
    @DisplayName("bounds: refuses out-of-range limits and bad namespace names before reading anything")
    void limits() {
        assertThatThrownBy(() -> new DiagnosticsRequest(Secret.of("x"), Optional.empty(), List.of("Bad_NS"), Optional.empty(), 10, 4096, 1,
                Duration.ofSeconds(1))).hasMessageContaining("Bad_NS");
        assertThatThrownBy(() -> new DiagnosticsRequest(Secret.of("x"), Optional.empty(), List.of(), Optional.empty(), 10, 10, 1,
                Duration.ofSeconds(1))).hasMessageContaining("--log-bytes");
        assertThatThrownBy(() -> new DiagnosticsRequest(Secret.of("x"), Optional.empty(), List.of(), Optional.empty(), 10, 4096, 0,
                Duration.ofSeconds(1))).hasMessageContaining("--concurrency");
    }

    @Test
    @DisplayName("the log tail keeps the newest bytes, from a whole line, and says it cut")
    void logTail() throws Exception {
        LogTail t = new LogTail(16).readAll(new ByteArrayInputStream("aaaa\nbbbb\ncccc\ndddd\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(t.truncated()).isTrue();
        assertThat(t.text()).isEqualTo("bbbb\ncccc\ndddd\n");
        LogTail small = new LogTail(16).readAll(new ByteArrayInputStream("ok\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(small.truncated()).isFalse();
        assertThat(small.text()).isEqualTo("ok\n");
    }

    private static DiagnosticsRequest request(String kubeconfig) {
        return new DiagnosticsRequest(Secret.of(kubeconfig), Optional.empty(), List.of(), Optional.empty(), 10, 4096, 1, Duration.ofSeconds(5));
    }
}
