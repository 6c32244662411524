package dev.ephemera.adapters.kind;

import dev.ephemera.testkit.pki.K3sTestPki;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.pki.BundleFile;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.docker.Docker;
import dev.ephemera.testkit.docker.StandInK3sImage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@DisplayName("The docker backend on the real engine")
@ExtendWith(StandInK3sImage.Engine.class)
class DockerClusterBackendTest {
    private static StandInK3sImage image;
    private ClusterBackend backend;

    @BeforeAll
    static void image(StandInK3sImage built) {
        image = built;
    }

    @AfterEach
    void close() {
        if (backend != null) {
            backend.close();
        }
    }

    @AfterAll
    static void clean() throws IOException {
        DockerTestSupport.removeEverythingOfThisRun();
    }

    private Observation awaitSettled(ClusterId id) {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        long pause = 50;
        Observation o = backend.observe(id);
        while ((o.state() == Observation.State.CREATING || o.state() == Observation.State.ABSENT) && Instant.now().isBefore(deadline)) {
            LockSupport.parkNanos(Duration.ofMillis(pause).toNanos());
            pause = Math.min(pause * 2, 1000);
            o = backend.observe(id);
        }
        return o;
    }

    private static ProvisionRequest request(ClusterId id, PkiBundle pki) {
        return new ProvisionRequest(id, ClusterSpec.defaults(), Optional.empty(), Optional.of(pki), DockerTestSupport.labels(id));
    }

    @Test
    @DisplayName("K3s starts with our CAs: /readyz answers our admin certificate over TLS verified against our server CA at 127.0.0.1, and refuses anonymous requests")
    void k3sServesWithOurPki() throws Exception {
        backend = DockerTestSupport.backend(image.id(), Map.of());
        ClusterId id = ClusterId.of("pki-1");
        PkiBundle pki = K3sTestPki.bundle("EC");
        backend.ensure(request(id, pki));

        Observation o = awaitSettled(id);

        assertThat(o.state()).as(o.detail()).isEqualTo(Observation.State.RUNNING);
        URI api = o.endpoint().orElseThrow().apiUrl();
        assertThat(api.getHost()).isEqualTo("127.0.0.1");
        HttpResponse<String> ready = K3sTestPki.adminClient(pki).send(HttpRequest.newBuilder(api.resolve("/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo("ok");
        HttpResponse<String> anonymous = K3sTestPki.anonymousClient(pki).send(HttpRequest.newBuilder(api.resolve("/api")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        // A CA of another cluster does not verify this server: the serving certificate comes from ours.
        HttpClient stranger = K3sTestPki.anonymousClient(K3sTestPki.bundle("EC"));
        assertThatThrownBy(() -> stranger.send(HttpRequest.newBuilder(api.resolve("/readyz")).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }

    @Test
    @DisplayName("container, network and volumes carry the cluster and installation labels; the API is published on 127.0.0.1 only")
    void everythingIsLabelled() throws Exception {
        backend = DockerTestSupport.backend(image.id(), Map.of());
        ClusterId id = ClusterId.of("labels-1");
        backend.ensure(request(id, K3sTestPki.bundle("EC")));
        String[] labels = {"ephemera.dev/cluster=labels-1", "ephemera.dev/installation=" + DockerTestSupport.INSTALLATION};

        assertThat(Docker.labelled("container", labels)).hasSize(1);
        assertThat(Docker.labelled("network", labels)).hasSize(1);
        assertThat(Docker.labelled("volume", labels)).hasSize(DockerClusterBackend.VOLUMES.size());
        Docker.Result port = Docker.run(List.of("port", Docker.labelled("container", labels).get(0), "6443/tcp"), null, 30);
        assertThat(port.out().strip()).startsWith("127.0.0.1:");
        Docker.Result inspect = Docker.run(List.of("inspect", "--format",
                "{{.HostConfig.Privileged}} {{json .HostConfig.Tmpfs}} {{json .Config.Cmd}}", Docker.labelled("container", labels).get(0)), null, 30);
        assertThat(inspect.out()).startsWith("false ").contains("\"/run\"", "\"/var/run\"")
                .contains("\"server\"", "--tls-san=127.0.0.1", "--disable=traefik", "--token-file=/var/lib/rancher/k3s/ephemera/token")
                .doesNotContain("K10");

        backend.destroy(id);
        backend.destroy(id);
        assertThat(Docker.labelled("container", labels)).isEmpty();
        assertThat(Docker.labelled("network", labels)).isEmpty();
        assertThat(Docker.labelled("volume", labels)).isEmpty();
    }

    @Test
    @DisplayName("a bundle missing a CA file: the stand-in refuses to start, and the observation is FAILED with the container's last log lines")
    void missingCaFileFailsWithTheLog() {
        backend = DockerTestSupport.backend(image.id(), Map.of());
        ClusterId id = ClusterId.of("missing-ca-1");
        PkiBundle full = K3sTestPki.bundle("EC");
        List<BundleFile> without = full.files().stream().filter(f -> !f.path().equals(PkiBundle.K3S_TLS_PREFIX + "etcd/peer-ca.key")).toList();
        backend.ensure(request(id, new PkiBundle(without)));

        Observation o = awaitSettled(id);

        assertThat(o.state()).isEqualTo(Observation.State.FAILED);
        assertThat(o.detail()).contains("exit code 1", "last log lines", "refuses to start", "missing etcd/peer-ca.key");
    }

    @Test
    @DisplayName("a container created but never started (create cut short) is given its PKI and started by the next ensure")
    void createdButNotStartedIsResumed() throws Exception {
        backend = DockerTestSupport.backend(image.id(), Map.of());
        ClusterId id = ClusterId.of("resume-1");
        PkiBundle pki = K3sTestPki.bundle("EC");
        backend.ensure(request(id, pki));
        String container = Docker.labelled("container", "ephemera.dev/cluster=resume-1").get(0);
        // Make it look like a process killed between create and start: a fresh created-only container of the same labels.
        Docker.Result recreate = Docker.run(List.of("container", "rm", "-f", container), null, 60);
        assertThat(recreate.exit()).isZero();
        Docker.Result created = Docker.run(List.of("create", "--name", "ephemera-" + DockerTestSupport.INSTALLATION + "-resume-1",
                "--label", "ephemera.dev/cluster=resume-1", "--label", "ephemera.dev/installation=" + DockerTestSupport.INSTALLATION,
                "--network", "ephemera-" + DockerTestSupport.INSTALLATION + "-resume-1", "-p", "127.0.0.1::6443",
                "-v", "ephemera-" + DockerTestSupport.INSTALLATION + "-resume-1-k3s:/var/lib/rancher/k3s", image.id(), "server"), null, 60);
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(backend.observe(id).state()).isEqualTo(Observation.State.CREATING);

        backend.ensure(request(id, pki));

        assertThat(awaitSettled(id).state()).isEqualTo(Observation.State.RUNNING);
        assertThat(Docker.labelled("container", "ephemera.dev/cluster=resume-1")).hasSize(1);
    }

    @Test
    @DisplayName("an image that is missing and cannot be pulled fails with the image's name and how to docker load it")
    void unpullableImageNamesDockerLoad() {
        backend = DockerTestSupport.backend("127.0.0.1:1/ephemera/absent:v1", Map.of());
        ClusterId id = ClusterId.of("offline-1");

        assertThatThrownBy(() -> backend.ensure(request(id, K3sTestPki.bundle("EC"))))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND))
                .hasMessageContaining("127.0.0.1:1/ephemera/absent:v1").hasMessageContaining("docker load");
        assertThat(backend.observe(id).state()).isEqualTo(Observation.State.ABSENT);
    }

    @Test
    @DisplayName("with no engine at the configured host the factory fails at once: UNAVAILABLE, start Docker or choose another backend")
    void noEngineIsUnavailable() {
        Settings s = new Settings("docker", Map.of("host", "unix:///nonexistent/docker.sock"));

        assertThatThrownBy(() -> DockerTestSupport.factory().create(s))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                .hasMessageContaining("unix:///nonexistent/docker.sock")
                .hasMessageContaining("start Docker, or choose another backend (--backend hetzner)");
    }
}
