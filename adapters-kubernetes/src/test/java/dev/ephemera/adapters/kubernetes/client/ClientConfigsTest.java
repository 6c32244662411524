package dev.ephemera.adapters.kubernetes.client;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientConfigsTest {
    @TempDir
    Path dir;

    @Test
    @DisplayName("with no kubeconfig anywhere and outside a pod, the error names every place it looked")
    void nowhereToLookIsAConfigurationErrorNamingEachPlace() {
        Path home = dir.resolve("home/.kube/config");
        Path sa = dir.resolve("serviceaccount");
        assertThatThrownBy(() -> ClientConfigs.requireSomewhereToLook(Map.of(), home, sa))
                .isInstanceOfSatisfying(EphemeraException.class, e -> org.assertj.core.api.Assertions.assertThat(e.code())
                        .isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("--kubeconfig").hasMessageContaining("KUBECONFIG (not set)").hasMessageContaining(home.toString())
                .hasMessageContaining("in-cluster").hasMessageContaining("KUBERNETES_SERVICE_HOST not set");
        assertThatThrownBy(() -> ClientConfigs.requireSomewhereToLook(Map.of("KUBECONFIG", dir.resolve("nope").toString()), home, sa))
                .hasMessageContaining("no readable file");
    }

    @Test
    @DisplayName("any one of KUBECONFIG, ~/.kube/config or a pod's service account is enough")
    void anyOnePlaceIsEnough() throws Exception {
        Path kc = Files.writeString(dir.resolve("kc"), "apiVersion: v1\nkind: Config\n");
        Path home = dir.resolve("home/.kube/config");
        Path sa = Files.createDirectories(dir.resolve("serviceaccount"));
        assertThatCode(() -> ClientConfigs.requireSomewhereToLook(Map.of("KUBECONFIG", kc.toString()), home, sa)).doesNotThrowAnyException();
        Files.createDirectories(home.getParent());
        Files.writeString(home, "apiVersion: v1\n");
        assertThatCode(() -> ClientConfigs.requireSomewhereToLook(Map.of(), home, sa)).doesNotThrowAnyException();
        Files.delete(home);
        Files.writeString(sa.resolve("token"), "t");
        assertThatCode(() -> ClientConfigs.requireSomewhereToLook(Map.of("KUBERNETES_SERVICE_HOST", "10.43.0.1"), home, sa))
                .doesNotThrowAnyException();
    }
}
