package dev.ephemera.adapters.kind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.Settings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The docker: settings")
class DockerSettingsTest {
    @Test
    @DisplayName("defaults: the unix socket, the pinned K3s image, privileged, --disable=traefik, published on 127.0.0.1")
    void defaults() {
        DockerSettings s = DockerSettings.from(Settings.empty("docker"), Map.of());

        assertThat(s.host()).isEqualTo("unix:///var/run/docker.sock");
        assertThat(s.image()).isEqualTo("rancher/k3s:v1.31.4-k3s1");
        assertThat(s.privileged()).isTrue();
        assertThat(s.serverArgs()).containsExactly("--disable=traefik");
        assertThat(s.apiHost()).isEqualTo("127.0.0.1");
        assertThat(s.endpointHost()).isEqualTo("127.0.0.1");
    }

    @Test
    @DisplayName("DOCKER_HOST and DOCKER_TLS_VERIFY apply when the section does not set host; the section wins over them")
    void environment() {
        Map<String, String> env = Map.of("DOCKER_HOST", "tcp://docker.example:2376", "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", "/certs");
        DockerSettings fromEnv = DockerSettings.from(Settings.empty("docker"), env);
        assertThat(fromEnv.host()).isEqualTo("tcp://docker.example:2376");
        assertThat(fromEnv.tlsVerify()).isTrue();
        assertThat(fromEnv.certPath()).hasValue(java.nio.file.Path.of("/certs"));

        DockerSettings set = DockerSettings.from(new Settings("docker", Map.of("host", "unix:///run/user/1000/docker.sock")), env);
        assertThat(set.host()).isEqualTo("unix:///run/user/1000/docker.sock");
    }

    @Test
    @DisplayName("api-host 0.0.0.0 with a tcp:// engine puts the engine's host name in the endpoint")
    void endpointOfARemoteEngine() {
        DockerSettings s = DockerSettings.from(new Settings("docker", Map.of("api-host", "0.0.0.0")), Map.of("DOCKER_HOST", "tcp://build-box:2375"));

        assertThat(s.endpointHost()).isEqualTo("build-box");
    }

    @Test
    @DisplayName("server-args may not set what Ephemera sets (--tls-san, --token), and unknown keys are refused with the known ones")
    void refusals() {
        assertThatThrownBy(() -> DockerSettings.from(new Settings("docker", Map.of("server-args", List.of("--token=x"))), Map.of()))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("--token");
        assertThatThrownBy(() -> DockerSettings.from(new Settings("docker", Map.of("privilegd", "false")), Map.of()))
                .hasMessageContaining("privileged");
        assertThatThrownBy(() -> DockerSettings.from(new Settings("docker", Map.of("image", "Not An Image")), Map.of()))
                .hasMessageContaining("docker.image");
    }

    @Test
    @DisplayName("the factory is found through ServiceLoader under the name docker")
    void discoverable() {
        assertThat(DockerTestSupport.factory().name()).isEqualTo("docker");
        assertThat(DockerTestSupport.factory().settings()).extracting(sp -> sp.key()).contains("host", "image", "privileged", "api-host");
    }
}
