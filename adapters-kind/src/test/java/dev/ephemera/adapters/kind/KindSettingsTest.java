package dev.ephemera.adapters.kind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.pki.K3sTestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The kind: settings and the generated kind config")
class KindSettingsTest {
    @TempDir
    Path dir;

    @Test
    @DisplayName("the factory is found through ServiceLoader under the name kind")
    void discoverable() {
        ClusterBackendFactory f = ServiceLoader.load(ClusterBackendFactory.class).stream().map(ServiceLoader.Provider::get)
                .filter(x -> x.name().equals("kind")).findFirst().orElseThrow();
        assertThat(f).isInstanceOf(KindClusterBackendFactory.class);
        assertThat(f.settings()).extracting(s -> s.key()).contains("binary", "node-image", "wait", "state-dir", "host", "installation");
    }

    @Test
    @DisplayName("defaults: kind on PATH, the pinned node image, 5m wait, the state directory under XDG_STATE_HOME")
    void defaults() {
        KindSettings s = KindSettings.from(Settings.empty("kind"), Map.of("XDG_STATE_HOME", "/tmp/xdg"));

        assertThat(s.binary()).isEqualTo("kind");
        assertThat(s.nodeImage()).isEqualTo("kindest/node:v1.31.4");
        assertThat(s.createWait()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.stateDir()).isEqualTo(Path.of("/tmp/xdg/ephemera/kind"));
        assertThat(s.docker().host()).isEqualTo("unix:///var/run/docker.sock");
    }

    @Test
    @DisplayName("unknown keys are refused with the known ones")
    void unknownKey() {
        assertThatThrownBy(() -> KindSettings.from(new Settings("kind", Map.of("nodeimage", "x")), Map.of()))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("node-image");
    }

    @Test
    @DisplayName("the config mounts kubeadm's CA files read-only from 0600 keys and patches --client-ca-file for kubeadm v1beta3 and v1beta4")
    void config() throws Exception {
        Map<String, Path> mounts = KindClusterConfig.writePki(dir.resolve("c"), K3sTestPki.bundle("EC"));
        JsonNode c = new ObjectMapper().readTree(KindClusterConfig.render("ephemera-default-pr-1", "kindest/node:v1.31.4",
                Map.of("ephemera.dev/cluster", "pr-1"), mounts));

        assertThat(c.path("apiVersion").asText()).isEqualTo("kind.x-k8s.io/v1alpha4");
        assertThat(c.path("name").asText()).isEqualTo("ephemera-default-pr-1");
        JsonNode node = c.path("nodes").get(0);
        assertThat(node.path("role").asText()).isEqualTo("control-plane");
        assertThat(node.path("labels").path("ephemera.dev/cluster").asText()).isEqualTo("pr-1");
        assertThat(node.path("extraMounts").findValuesAsText("containerPath")).containsExactlyInAnyOrder("/etc/kubernetes/pki/ca.crt",
                "/etc/kubernetes/pki/ca.key", "/etc/kubernetes/pki/front-proxy-ca.crt", "/etc/kubernetes/pki/front-proxy-ca.key",
                "/etc/kubernetes/pki/etcd/ca.crt", "/etc/kubernetes/pki/etcd/ca.key", "/etc/kubernetes/pki/ephemera-client-ca.crt");
        node.path("extraMounts").forEach(m -> assertThat(m.path("readOnly").asBoolean()).isTrue());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(mounts.get("/etc/kubernetes/pki/ca.key")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("c")))).isEqualTo("rwx------");
        String bundle = Files.readString(mounts.get("/etc/kubernetes/pki/ephemera-client-ca.crt"));
        assertThat(bundle.split("-----BEGIN CERTIFICATE-----", -1)).as("server CA, then client CA").hasSize(3);
        assertThat(bundle).startsWith(Files.readString(mounts.get("/etc/kubernetes/pki/ca.crt")).strip());
        JsonNode v1beta3 = new ObjectMapper().readTree(c.path("kubeadmConfigPatches").get(0).asText());
        assertThat(v1beta3.path("apiVersion").asText()).isEqualTo("kubeadm.k8s.io/v1beta3");
        assertThat(v1beta3.at("/apiServer/extraArgs/client-ca-file").asText()).isEqualTo("/etc/kubernetes/pki/ephemera-client-ca.crt");
        JsonNode v1beta4 = c.path("kubeadmConfigPatchesJSON6902").get(0);
        assertThat(v1beta4.path("version").asText()).isEqualTo("v1beta4");
        assertThat(new ObjectMapper().readTree(v1beta4.path("patch").asText()).get(0).at("/value/value").asText())
                .isEqualTo("/etc/kubernetes/pki/ephemera-client-ca.crt");
    }
}
