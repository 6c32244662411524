package dev.ephemera.adapters.kind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ImageLoading;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.docker.Docker;
import dev.ephemera.testkit.docker.StandInK3sImage;
import dev.ephemera.testkit.docker.TestImages;
import dev.ephemera.testkit.pki.K3sTestPki;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@DisplayName("The kind backend: the stand-in kind CLI making nodes on the real engine")
@ExtendWith(StandInK3sImage.Engine.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KindClusterBackendTest {
    private StandInK3sImage image;
    private KindTestSupport kind;
    private ClusterBackend backend;

    @BeforeAll
    void setUp(StandInK3sImage built) throws IOException {
        image = built;
        kind = new KindTestSupport();
    }

    @AfterEach
    void closeBackend() {
        if (backend != null) {
            backend.close();
            backend = null;
        }
    }

    @AfterAll
    void clean() throws IOException {
        try {
            if (kind != null) {
                kind.close();
            }
        } finally {
            TestImages.removeAll();
        }
    }

    private ProvisionRequest request(String id, PkiBundle pki) {
        return new ProvisionRequest(ClusterId.of(id), ClusterSpec.defaults(), Optional.empty(), Optional.of(pki), kind.labels(id));
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

    @Test
    @DisplayName("kubeadm's CAs are ours: the API answers our admin certificate over TLS verified by our server CA, refuses anonymous requests; the node is kind's")
    void ourPkiReachesKubeadm() throws Exception {
        backend = kind.backend(image.id());
        ClusterId id = ClusterId.of("pki-1");
        PkiBundle pki = K3sTestPki.bundle("EC");

        backend.ensure(request("pki-1", pki));
        Observation o = awaitSettled(id);

        assertThat(o.state()).as(o.detail()).isEqualTo(Observation.State.RUNNING);
        URI api = o.endpoint().orElseThrow().apiUrl();
        assertThat(api.getHost()).isEqualTo("127.0.0.1");
        HttpResponse<String> ready = K3sTestPki.adminClient(pki).send(HttpRequest.newBuilder(api.resolve("/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        HttpResponse<String> namespaces = K3sTestPki.adminClient(pki).send(HttpRequest.newBuilder(api.resolve("/api/v1/namespaces")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(namespaces.statusCode()).as(namespaces.body()).isEqualTo(200);
        HttpResponse<String> anonymous = K3sTestPki.anonymousClient(pki).send(HttpRequest.newBuilder(api.resolve("/api")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        HttpClient stranger = K3sTestPki.anonymousClient(K3sTestPki.bundle("EC"));
        assertThatThrownBy(() -> stranger.send(HttpRequest.newBuilder(api.resolve("/readyz")).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);

        String name = kind.kindName("pki-1");
        List<String> nodes = Docker.labelled("container", "io.x-k8s.kind.cluster=" + name, "io.x-k8s.kind.role=control-plane");
        assertThat(nodes).hasSize(1);
        Docker.Result mounts = Docker.run(List.of("inspect", "--format", "{{.Name}} {{range .Mounts}}{{.Destination}}:{{.RW}} {{end}}", nodes.get(0)), null, 30);
        assertThat(mounts.out()).startsWith("/" + name + "-control-plane ")
                .contains("/etc/kubernetes/pki/ca.key:false", "/etc/kubernetes/pki/ephemera-client-ca.crt:false", "/etc/kubernetes/pki/etcd/ca.crt:false");
        Path keyOnHost = kind.stateDir.resolve(name).resolve("pki/ca.key");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(keyOnHost))).isEqualTo("rw-------");

        backend.destroy(id);
        backend.destroy(id);

        assertThat(Docker.labelled("container", "io.x-k8s.kind.cluster=" + name)).isEmpty();
        assertThat(kind.stateDir.resolve(name)).doesNotExist();
        assertThat(backend.observe(id).state()).isEqualTo(Observation.State.ABSENT);
    }

    @Test
    @DisplayName("a kind config without one of our CA mounts: the stand-in node refuses to start, and kind create fails leaving no node")
    void aMissingCaMountIsRefused() throws Exception {
        String name = kind.kindName("nomount-1");
        Path dir = kind.root.resolve("manual");
        Map<String, Path> mounts = new LinkedHashMap<>(KindClusterConfig.writePki(dir, K3sTestPki.bundle("EC")));
        mounts.remove("/etc/kubernetes/pki/front-proxy-ca.key");
        Path config = dir.resolve("kind.yaml");
        Files.writeString(config, KindClusterConfig.render(name, image.id(), Map.of(), mounts));

        Docker.Result r = Docker.exec(List.of(kind.kind.toString(), "create", "cluster", "--name", name, "--config", config.toString(),
                "--wait", "60s"), 300);

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("refuses to start", "front-proxy-ca.key");
        assertThat(Docker.labelled("container", "io.x-k8s.kind.cluster=" + name)).isEmpty();
    }

    @Test
    @DisplayName("without the kubeadm patch the API server trusts only kubeadm's own CA as client CA: our admin certificate does not authenticate")
    void theClientCaPatchIsWhatLetsOurAdminIn() throws Exception {
        String name = kind.kindName("nopatch-1");
        Path dir = kind.root.resolve("nopatch");
        PkiBundle pki = K3sTestPki.bundle("EC");
        Map<String, Path> mounts = KindClusterConfig.writePki(dir, pki);
        // The same config with the kubeadm patches taken out.
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode rendered = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(
                KindClusterConfig.render(name, image.id(), Map.of(), mounts));
        assertThat(rendered.remove("kubeadmConfigPatches")).isNotNull();
        Path config = dir.resolve("kind.yaml");
        Files.writeString(config, json.writeValueAsString(rendered));
        Docker.Result r = Docker.exec(List.of(kind.kind.toString(), "create", "cluster", "--name", name, "--config", config.toString()), 300);
        assertThat(r.exit()).as(r.err()).isZero();
        String port = Docker.run(List.of("port", name + "-control-plane", "6443/tcp"), null, 30).out().strip().lines().findFirst().orElseThrow();

        HttpResponse<String> refused = K3sTestPki.adminClient(pki).send(HttpRequest.newBuilder(URI.create("https://" + port
                + "/api/v1/namespaces")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).as("the admin certificate does not authenticate").isEqualTo(401);
        assertThat(Docker.exec(List.of(kind.kind.toString(), "delete", "cluster", "--name", name), 120).exit()).isZero();
    }

    @Test
    @DisplayName("load-image imports two images into the kind node, which lists both; a second load skips them")
    void loadsImagesIntoTheNode() throws Exception {
        backend = kind.backend(image.id());
        ClusterId id = ClusterId.of("load-1");
        backend.ensure(request("load-1", K3sTestPki.bundle("EC")));
        assertThat(awaitSettled(id).state()).isEqualTo(Observation.State.RUNNING);
        String imageA = "ephemera-test/kind-a:" + kind.installation;
        String imageB = "ephemera-test/kind-b:" + kind.installation;
        String idA = TestImages.make(imageA, 100_000);
        String idB = TestImages.make(imageB, 20_000);

        ImageLoading.ImageLoadReport first = ((ImageLoading) backend).loadImages(id, List.of(imageA, imageB));

        assertThat(first.nodes()).singleElement().satisfies(n -> {
            assertThat(n.node()).isEqualTo(kind.kindName("load-1") + "-control-plane");
            assertThat(n.imported()).containsExactly(imageA, imageB);
        });
        String node = Docker.labelled("container", "io.x-k8s.kind.cluster=" + kind.kindName("load-1")).get(0);
        Docker.Result listed = Docker.run(List.of("exec", node, "crictl", "images", "-o", "json"), null, 60);
        assertThat(listed.out()).contains(idA, idB);
        assertThat(((ImageLoading) backend).loadImages(id, List.of(imageA, imageB)).nodes()).singleElement()
                .satisfies(n -> assertThat(n.skipped()).containsExactly(imageA, imageB));
        backend.destroy(id);
    }

    @Test
    @DisplayName("kind create failing (a node image the engine lacks) is a BACKEND error with kind's output, and leaves no node")
    void kindFailureIsBackend() throws IOException {
        backend = kind.backend("127.0.0.1:1/ephemera/absent-node:v1");
        ClusterId id = ClusterId.of("fail-1");

        assertThatThrownBy(() -> backend.ensure(request("fail-1", K3sTestPki.bundle("EC"))))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND))
                .hasMessageContaining("kind create cluster --name " + kind.kindName("fail-1") + " failed (exit 1)");
        assertThat(backend.observe(id).state()).isEqualTo(Observation.State.ABSENT);
        assertThat(kind.nodes()).noneMatch(n -> n.contains("fail-1"));
    }

    @Test
    @DisplayName("a kind binary that is not there is a configuration error (exit 10) naming it")
    void missingKindBinary() {
        Map<String, Object> s = Map.of("binary", "kind-not-installed-here", "installation", kind.installation);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("PATH", kind.root.toString());

        assertThatThrownBy(() -> new KindClusterBackendFactory().create(new Settings("kind", s), env))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("'kind-not-installed-here' is not on PATH").hasMessageContaining("--backend docker");
    }

    @Test
    @DisplayName("an installation kind cannot put in a cluster name is refused with the rule")
    void installationMustSuitKind() {
        assertThatThrownBy(() -> KindSettings.from(new Settings("kind", Map.of("installation", "Team_A")), Map.of()))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("Team_A");
    }
}
