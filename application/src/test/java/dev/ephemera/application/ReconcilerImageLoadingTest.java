package dev.ephemera.application;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.cluster.BackendRef;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ImageLoading;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.OwnedResource;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.workload.AdminAccess;
import dev.ephemera.testkit.inmemory.InMemoryClusterBackend;
import dev.ephemera.testkit.inmemory.InMemoryClusterRepository;
import dev.ephemera.testkit.inmemory.InMemoryLeaseStore;
import dev.ephemera.testkit.inmemory.InMemorySecretSink;
import dev.ephemera.testkit.inmemory.InMemoryWorkloadClusters;
import dev.ephemera.testkit.inmemory.SingleAdapterLookups;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The reconciler loads the images a claim names before the cluster is Ready")
class ReconcilerImageLoadingTest {
    private final InMemoryClusterRepository repository = new InMemoryClusterRepository();
    private final InMemoryWorkloadClusters workload = new InMemoryWorkloadClusters(1);
    private final ReconcilerTest.MutableClock clock = new ReconcilerTest.MutableClock(Instant.parse("2026-11-25T00:00:00Z"));
    private final Policies policies = Policies.defaults();
    private final Clusters clusters = new Clusters(repository, policies, clock);

    /** A local backend: the in-memory one plus image loading that records which images went in, and in which phase. */
    private final class Local implements ClusterBackend, ImageLoading {
        final InMemoryClusterBackend inner = new InMemoryClusterBackend(new BackendTraits(Optional.empty(), false), 1);
        final List<String> loaded = new ArrayList<>();
        final List<Phase> phasesWhenLoaded = new ArrayList<>();

        @Override
        public ImageLoadReport loadImages(ClusterId id, List<String> images) {
            for (String image : images) {
                if (image.startsWith("absent/")) {
                    throw EphemeraException.notFound("image " + image + " is not in the local Docker engine");
                }
            }
            phasesWhenLoaded.add(repository.find(id).orElseThrow().phase());
            loaded.addAll(images);
            return new ImageLoadReport(List.of(new NodeLoad("node-1", images, List.of(), 10)));
        }

        @Override
        public BackendTraits traits() {
            return inner.traits();
        }

        @Override
        public BackendRef ensure(ProvisionRequest request) {
            return inner.ensure(request);
        }

        @Override
        public Observation observe(ClusterId id) {
            return inner.observe(id);
        }

        @Override
        public void destroy(ClusterId id) {
            inner.destroy(id);
        }

        @Override
        public List<OwnedResource> owned() {
            return inner.owned();
        }

        @Override
        public Optional<AdminAccess> ownAdminAccess(ClusterId id) {
            return inner.ownAdminAccess(id);
        }
    }

    private Reconciler reconciler(ClusterBackend backend) {
        return new Reconciler(repository, () -> SingleAdapterLookups.backends("local", backend), () -> {
            throw new AssertionError("this backend brings its own credentials");
        }, () -> workload, () -> SingleAdapterLookups.sinks("memory", new InMemorySecretSink()), new IpPools(new InMemoryLeaseStore(), clock),
                policies, new ControlPlane("test", List.of()), clock);
    }

    private void claim(String id, List<String> images) {
        clusters.claim(new ClaimRequest(ClusterId.of(id), Optional.empty(), "local", ClusterSpec.defaults().withLoadImages(images),
                Optional.empty(), List.of(), false));
    }

    @Test
    @DisplayName("the images are loaded while Bootstrapping, the cluster then is Ready, and its timeline says so")
    void loadedBeforeReady() {
        Local local = new Local();
        claim("pr-1", List.of("shop:pr-1", "shop-tests:pr-1"));

        Cluster c = reconciler(local).runUntilSettled(ClusterId.of("pr-1"), clock.instant().plus(Duration.ofMinutes(5)), x -> { });

        assertThat(c.phase()).isEqualTo(Phase.READY);
        assertThat(local.loaded).containsExactly("shop:pr-1", "shop-tests:pr-1");
        assertThat(local.phasesWhenLoaded).containsOnly(Phase.BOOTSTRAPPING);
        assertThat(c.timeline()).anySatisfy(e -> assertThat(e.message()).contains("loaded 2 image(s) into 1 node(s)"));
    }

    @Test
    @DisplayName("a claim without images loads nothing")
    void noImagesNoLoad() {
        Local local = new Local();
        claim("pr-2", List.of());

        assertThat(reconciler(local).runUntilSettled(ClusterId.of("pr-2"), clock.instant().plus(Duration.ofMinutes(5)), x -> { }).phase())
                .isEqualTo(Phase.READY);
        assertThat(local.loaded).isEmpty();
    }

    @Test
    @DisplayName("an image the engine lacks fails the claim with NOT_FOUND (exit 3) naming it, and the cluster is cleaned up")
    void missingImageFails() {
        Local local = new Local();
        claim("pr-3", List.of("absent/app:1"));
        AtomicReference<EphemeraException> cause = new AtomicReference<>();

        Cluster c = reconciler(local).runUntilSettled(ClusterId.of("pr-3"), clock.instant().plus(Duration.ofMinutes(5)), x -> { }, cause::set);

        assertThat(cause.get().code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(c.phase()).isEqualTo(Phase.DELETED);
        assertThat(c.timeline()).anySatisfy(e -> assertThat(e.message()).contains("absent/app:1"));
        assertThat(local.inner.owned()).isEmpty();
    }

    @Test
    @DisplayName("a backend that cannot load images fails the claim as INVALID, saying which backends can")
    void backendWithoutImageLoading() {
        InMemoryClusterBackend remote = new InMemoryClusterBackend(new BackendTraits(Optional.empty(), false), 1);
        claim("pr-4", List.of("shop:pr-4"));
        AtomicReference<EphemeraException> cause = new AtomicReference<>();

        reconciler(remote).runUntilSettled(ClusterId.of("pr-4"), clock.instant().plus(Duration.ofMinutes(5)), x -> { }, cause::set);

        assertThat(cause.get().code()).isEqualTo(ErrorCode.INVALID);
        assertThat(cause.get().getMessage()).contains("docker, kind");
    }

    @Test
    @DisplayName("the images are part of the spec: duplicates collapse, blanks are refused")
    void specValidates() {
        assertThat(ClusterSpec.defaults().withLoadImages(List.of("a:1", "a:1", "b:2")).loadImages()).containsExactly("a:1", "b:2");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ClusterSpec.defaults().withLoadImages(List.of("a b")))
                .isInstanceOf(EphemeraException.class).hasMessageContaining("'a b'");
        assertThat(new ClusterSpec(Optional.empty(), Optional.empty(), Optional.empty(), Map.of(), List.of()).loadImages()).isEmpty();
    }
}
