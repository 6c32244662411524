package dev.ephemera.application.claims;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.application.ClusterEvents;
import dev.ephemera.application.Clusters;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.claims.ClaimObject;
import dev.ephemera.ports.claims.ClaimObjects;
import dev.ephemera.ports.claims.ClaimRef;
import dev.ephemera.ports.claims.ClaimSpec;
import dev.ephemera.ports.claims.ClaimStatus;
import dev.ephemera.testkit.inmemory.InMemoryClusterRepository;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The controller's decisions, one object at a time, over the in-memory store (no threads: {@code reconcile} directly). */
@DisplayName("ClaimObjectController: objects to claims, phases to status")
class ClaimObjectControllerTest {
    private final InMemoryClusterRepository repository = new InMemoryClusterRepository();
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-06T08:00:00Z"), ZoneOffset.UTC);
    private final Clusters clusters = new Clusters(repository, new Policies(Duration.ofDays(3), Duration.ofHours(1), Duration.ofMinutes(15),
            Duration.ofMinutes(5), 10, Map.of()), clock, new ClusterEvents());
    private final Recorded objects = new Recorded();
    private final ClaimObjectController controller = new ClaimObjectController(objects, clusters, new ClusterEvents(),
            new ClaimObjectSettings("docker", Duration.ofSeconds(30)));
    private final ClaimRef ref = new ClaimRef("ci", "pr-42");
    private final ClusterId id = ClaimIds.of(ref);

    /** Remembers what the controller asked of the API. */
    static final class Recorded implements ClaimObjects {
        final List<String> calls = new ArrayList<>();
        final List<ClaimStatus> statuses = new ArrayList<>();

        @Override
        public AutoCloseable watch(Consumer<ClaimObject> changed) {
            return () -> { };
        }

        @Override
        public List<ClaimObject> cached() {
            return List.of();
        }

        @Override
        public void addFinalizer(ClaimRef ref) {
            calls.add("addFinalizer " + ref);
        }

        @Override
        public void removeFinalizer(ClaimRef ref) {
            calls.add("removeFinalizer " + ref);
        }

        @Override
        public void updateStatus(ClaimRef ref, ClaimStatus status) {
            statuses.add(status);
        }

        @Override
        public String publishKubeconfig(ClaimRef ref, String uid, Secret kubeconfig) {
            calls.add("publish " + ref + " " + kubeconfig.reveal());
            return ref.name() + "-kubeconfig";
        }

        @Override
        public void withdrawKubeconfig(ClaimRef ref) {
            calls.add("withdraw " + ref);
        }

        ClaimStatus last() {
            return statuses.get(statuses.size() - 1);
        }
    }

    private static ClaimSpec spec(String ttl, String tearDown) {
        return new ClaimSpec(Optional.empty(), Optional.of("acme/shop"), Optional.of("42"), Optional.ofNullable(ttl), Optional.empty(),
                Optional.empty(), Optional.empty(), List.of(), Optional.empty(), Optional.ofNullable(tearDown), Optional.empty());
    }

    private ClaimObject object(ClaimSpec spec, boolean deleting, boolean finalizer, Optional<String> clusterId) {
        return new ClaimObject(ref, "uid-1", 2, spec, deleting, finalizer, clusterId);
    }

    @Test
    @DisplayName("a new object gets the finalizer and its cluster is claimed on the default backend, with the owner and ttl of its spec")
    void claims() {
        controller.reconcile(object(spec("4h", null), false, false, Optional.empty()));
        assertThat(objects.calls).containsExactly("addFinalizer ci/pr-42");
        Cluster c = repository.find(id).orElseThrow();
        assertThat(c.backend()).isEqualTo("docker");
        assertThat(c.owner().orElseThrow().repository()).isEqualTo("acme/shop");
        assertThat(c.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofHours(4)));
        assertThat(objects.last().phase()).isEqualTo("Provisioning");
        assertThat(objects.last().clusterId()).contains(id.value());
        assertThat(objects.last().observedGeneration()).isEqualTo(2);
    }

    @Test
    @DisplayName("Ready: the kubeconfig goes to the Secret before the status says Ready")
    void ready() {
        controller.reconcile(object(spec("4h", null), false, true, Optional.empty()));
        Cluster c = repository.find(id).orElseThrow();
        repository.putCredential(id, "kubeconfig", Secret.of("kc"));
        for (Phase p : List.of(Phase.PROVISIONING, Phase.BOOTSTRAPPING, Phase.READY)) {
            c = repository.update(c.moveTo(p, clock.instant(), p.displayName()));
        }
        controller.reconcile(object(spec("4h", null), false, true, Optional.of(id.value())));
        assertThat(objects.calls).containsExactly("publish ci/pr-42 kc");
        assertThat(objects.last().phase()).isEqualTo("Ready");
        assertThat(objects.last().secretName()).contains("pr-42-kubeconfig");
        assertThat(objects.last().conditions()).allSatisfy(cond -> assertThat(cond.status()).isEqualTo("True"));
    }

    @Test
    @DisplayName("a ttl that is no duration is a Failed status with reason InvalidSpec, and no cluster")
    void invalidSpec() {
        controller.reconcile(object(spec("forever", null), false, true, Optional.empty()));
        assertThat(repository.find(id)).isEmpty();
        assertThat(objects.last().phase()).isEqualTo("Failed");
        assertThat(objects.last().clusterId()).isEmpty();
        assertThat(objects.last().conditions().get(0).reason()).isEqualTo("InvalidSpec");
        assertThat(objects.last().conditions().get(0).message()).contains("spec.ttl");
    }

    @Test
    @DisplayName("tearDownCluster: true deletes the cluster; an object whose cluster is gone is Deprovisioned and never claimed again")
    void tearDown() {
        controller.reconcile(object(spec("4h", null), false, true, Optional.empty()));
        controller.reconcile(object(spec("4h", "true"), false, true, Optional.of(id.value())));
        assertThat(repository.find(id).orElseThrow().phase()).isEqualTo(Phase.DELETING);
        assertThat(objects.last().phase()).isEqualTo("Deprovisioning");

        repository.delete(id);
        controller.reconcile(object(spec("4h", null), false, true, Optional.of(id.value())));
        assertThat(repository.find(id)).as("not claimed again").isEmpty();
        assertThat(objects.last().phase()).isEqualTo("Deprovisioned");
    }

    @Test
    @DisplayName("a deleted object: the cluster is deleted, and the finalizer comes off only once the cluster is Deleted")
    void finalizer() {
        controller.reconcile(object(spec("4h", null), false, true, Optional.empty()));
        controller.reconcile(object(spec("4h", null), true, true, Optional.of(id.value())));
        assertThat(repository.find(id).orElseThrow().phase()).isEqualTo(Phase.DELETING);
        assertThat(objects.calls).doesNotContain("removeFinalizer ci/pr-42");

        Cluster c = repository.find(id).orElseThrow();
        repository.update(c.moveTo(Phase.DELETED, clock.instant(), "deleted"));
        controller.reconcile(object(spec("4h", null), true, true, Optional.of(id.value())));
        assertThat(objects.calls).endsWith("withdraw ci/pr-42", "removeFinalizer ci/pr-42");
    }

    @Test
    @DisplayName("cluster ids: the name and a hash of namespace/name, at most 40 characters")
    void ids() {
        assertThat(ClaimIds.of(ref)).isEqualTo(ClaimIds.of(new ClaimRef("ci", "pr-42")));
        assertThat(ClaimIds.of(ref)).isNotEqualTo(ClaimIds.of(new ClaimRef("other", "pr-42")));
        assertThat(ClaimIds.of(ref).value()).startsWith("pr-42-").hasSize("pr-42-".length() + 8);
        ClusterId longOne = ClaimIds.of(new ClaimRef("ci", "a.very-long-name-of-an-ephemeral-cluster-claim-for-pr-4242"));
        assertThat(longOne.value()).hasSizeLessThanOrEqualTo(ClusterId.MAX_LENGTH).doesNotContain(".");
    }

    @Test
    @DisplayName("phases map to seed 002's five")
    void phases() {
        assertThat(ClaimPhases.of(Phase.QUEUED)).isEqualTo("Provisioning");
        assertThat(ClaimPhases.of(Phase.BOOTSTRAPPING)).isEqualTo("Provisioning");
        assertThat(ClaimPhases.of(Phase.READY)).isEqualTo("Ready");
        assertThat(ClaimPhases.of(Phase.RELEASING)).isEqualTo("Deprovisioning");
        assertThat(ClaimPhases.of(Phase.DELETING)).isEqualTo("Deprovisioning");
        assertThat(ClaimPhases.of(Phase.DELETED)).isEqualTo("Deprovisioned");
        assertThat(ClaimPhases.of(Phase.FAILED)).isEqualTo("Failed");
    }
}
