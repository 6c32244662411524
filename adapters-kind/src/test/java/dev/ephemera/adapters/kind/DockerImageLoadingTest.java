package dev.ephemera.adapters.kind;

import dev.ephemera.testkit.pki.K3sTestPki;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ImageLoading;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.testkit.docker.Docker;
import dev.ephemera.testkit.docker.StandInK3sImage;
import dev.ephemera.testkit.docker.TestImages;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@DisplayName("load-image into a docker cluster's node, on the real engine")
@ExtendWith(StandInK3sImage.Engine.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DockerImageLoadingTest {
    private ClusterBackend backend;
    private String imageA;
    private String imageB;
    private String idA;
    private String idB;

    @BeforeAll
    void cluster(StandInK3sImage image) throws IOException {
        backend = DockerTestSupport.backend(image.id(), Map.of());
        String tag = DockerTestSupport.INSTALLATION;
        imageA = "ephemera-test/load-a:" + tag;
        imageB = "localhost:5000/ephemera-test/load-b:" + tag;
        idA = TestImages.make(imageA, 300_000);
        idB = TestImages.make(imageB, 40_000);
    }

    @AfterAll
    void clean() throws IOException {
        try {
            DockerTestSupport.removeEverythingOfThisRun();
        } finally {
            TestImages.removeAll();
            if (backend != null) {
                backend.close();
            }
        }
    }

    private ClusterId running(String name) {
        ClusterId id = ClusterId.of(name);
        backend.ensure(new ProvisionRequest(id, ClusterSpec.defaults(), Optional.empty(), Optional.of(K3sTestPki.bundle("EC")),
                DockerTestSupport.labels(id)));
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        long pause = 50;
        Observation o = backend.observe(id);
        while (o.state() != Observation.State.RUNNING && Instant.now().isBefore(deadline)) {
            LockSupport.parkNanos(Duration.ofMillis(pause).toNanos());
            pause = Math.min(pause * 2, 1000);
            o = backend.observe(id);
        }
        assertThat(o.state()).as(o.detail()).isEqualTo(Observation.State.RUNNING);
        return id;
    }

    private List<String> crictlImages(ClusterId id) throws IOException {
        String container = Docker.labelled("container", "ephemera.dev/cluster=" + id.value(),
                "ephemera.dev/installation=" + DockerTestSupport.INSTALLATION).get(0);
        Docker.Result r = Docker.run(List.of("exec", container, "crictl", "images", "-o", "json"), null, 60);
        assertThat(r.exit()).as(r.err()).isZero();
        return List.of(r.out());
    }

    @Test
    @DisplayName("two images are imported into the node, which then lists both with their IDs; a second load skips both")
    void loadsTwoImagesThenSkips() throws IOException {
        ClusterId id = running("load-1");
        ImageLoading loading = (ImageLoading) backend;

        ImageLoading.ImageLoadReport first = loading.loadImages(id, List.of(imageA, imageB));

        assertThat(first.nodes()).singleElement().satisfies(n -> {
            assertThat(n.imported()).containsExactly(imageA, imageB);
            assertThat(n.skipped()).isEmpty();
            assertThat(n.bytes()).isGreaterThan(340_000);
        });
        assertThat(crictlImages(id)).singleElement().asString().contains(idA, idB, "docker.io/" + imageA, imageB);

        ImageLoading.ImageLoadReport second = loading.loadImages(id, List.of(imageA, imageB));

        assertThat(second.nodes()).singleElement().satisfies(n -> {
            assertThat(n.imported()).isEmpty();
            assertThat(n.skipped()).containsExactly(imageA, imageB);
            assertThat(n.bytes()).isZero();
        });
    }

    @Test
    @DisplayName("an image the local engine does not have is NOT_FOUND, naming it, and nothing is imported")
    void missingLocalImage() throws IOException {
        ClusterId id = running("load-2");

        assertThatThrownBy(() -> ((ImageLoading) backend).loadImages(id, List.of(imageA, "ephemera-test/absent:none")))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND))
                .hasMessageContaining("ephemera-test/absent:none");
        assertThat(crictlImages(id)).singleElement().asString().doesNotContain(idA);
    }

    @Test
    @DisplayName("an import that fails in the node is a BACKEND error with ctr's exit code")
    void failedImport() throws IOException {
        ClusterId id = running("load-3");
        String container = Docker.labelled("container", "ephemera.dev/cluster=load-3",
                "ephemera.dev/installation=" + DockerTestSupport.INSTALLATION).get(0);
        // Break the node's ctr: it now exits 3 whatever it is asked.
        Docker.Result broken = Docker.run(List.of("exec", container, "sh", "-c", "printf '#!/bin/sh\\necho containerd is broken >&2\\nexit 3\\n' > /bin/ctr"), null, 60);
        assertThat(broken.exit()).as(broken.err()).isZero();

        assertThatThrownBy(() -> ((ImageLoading) backend).loadImages(id, List.of(imageA)))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND))
                .hasMessageContaining("ctr exit 3").hasMessageContaining("containerd is broken");
    }
}
