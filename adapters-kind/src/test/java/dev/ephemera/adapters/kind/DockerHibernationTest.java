package dev.ephemera.adapters.kind;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.Hibernation;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.testkit.docker.Docker;
import dev.ephemera.testkit.docker.StandInK3sImage;
import dev.ephemera.testkit.pki.K3sTestPki;
import java.io.IOException;
import java.net.URI;
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

@DisplayName("Hibernation on the docker backend (real engine, stand-in K3s image)")
@ExtendWith(StandInK3sImage.Engine.class)
class DockerHibernationTest {
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

    /** Polls with a growing pause until the backend reports {@code RUNNING} with an endpoint, for at most two minutes. */
    private Observation awaitRunning(ClusterId id) {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        long pause = 50;
        Observation o = backend.observe(id);
        while (!(o.state() == Observation.State.RUNNING && o.endpoint().isPresent()) && Instant.now().isBefore(deadline)) {
            LockSupport.parkNanos(Duration.ofMillis(pause).toNanos());
            pause = Math.min(pause * 2, 1000);
            o = backend.observe(id);
        }
        return o;
    }

    private static int readyz(PkiBundle pki, URI api) throws Exception {
        return K3sTestPki.adminClient(pki).send(HttpRequest.newBuilder(api.resolve("/readyz")).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    @Test
    @DisplayName("hibernate stops the container (twice is harmless); resume starts it and /readyz answers our admin certificate again")
    void stopsAndStartsTheContainer() throws Exception {
        backend = DockerTestSupport.backend(image.name(), Map.of());
        ClusterId id = ClusterId.of("sleep-1");
        PkiBundle pki = K3sTestPki.bundle("EC");
        backend.ensure(new ProvisionRequest(id, ClusterSpec.defaults(), Optional.empty(), Optional.of(pki), DockerTestSupport.labels(id)));
        Observation up = awaitRunning(id);
        assertThat(up.state()).as(up.detail()).isEqualTo(Observation.State.RUNNING);
        assertThat(backend).isInstanceOf(Hibernation.class);
        Hibernation h = (Hibernation) backend;
        assertThat(h.hibernationRefusal()).isEmpty();

        h.hibernate(id);
        h.hibernate(id);

        String container = Docker.labelled("container", "ephemera.dev/cluster=sleep-1").get(0);
        Docker.Result state = Docker.run(List.of("inspect", "-f", "{{.State.Status}}", container), null, 60);
        assertThat(state.out().strip()).isEqualTo("exited");
        assertThat(backend.observe(id).state()).isNotEqualTo(Observation.State.RUNNING);

        h.resume(id);
        h.resume(id);

        Observation again = awaitRunning(id);
        assertThat(again.state()).as(again.detail()).isEqualTo(Observation.State.RUNNING);
        assertThat(readyz(pki, again.endpoint().orElseThrow().apiUrl())).isEqualTo(200);
        assertThat(Docker.labelled("container", "ephemera.dev/cluster=sleep-1")).hasSize(1);
    }
}
