package dev.ephemera.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.cluster.BackendRef;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.OwnedResource;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.workload.AdminAccess;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.testkit.fake.vault.MutableClock;
import dev.ephemera.testkit.inmemory.InMemoryClusterBackend;
import dev.ephemera.testkit.inmemory.InMemoryClusterRepository;
import dev.ephemera.testkit.inmemory.InMemoryLeaseStore;
import dev.ephemera.testkit.inmemory.InMemorySecretSink;
import dev.ephemera.testkit.inmemory.InMemoryWorkloadClusters;
import dev.ephemera.testkit.inmemory.SingleAdapterLookups;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How {@link Reconciler#runUntilSettled} waits: through the shared retry policy, never in a tight loop. */
class ReconcilerRetryTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T00:00:00Z"));
    private final InMemoryClusterRepository repository = new InMemoryClusterRepository();
    private final InMemoryClusterBackend backend = new InMemoryClusterBackend(new BackendTraits(Optional.empty(), false), 1);
    private final Policies policies = Policies.defaults();
    private final Reconciler reconciler = new Reconciler(repository, () -> SingleAdapterLookups.backends("memory", backend), () -> null,
            () -> new InMemoryWorkloadClusters(0), () -> SingleAdapterLookups.sinks("memory", new InMemorySecretSink()),
            new IpPools(new InMemoryLeaseStore(), clock), policies, new ControlPlane("test", List.of("memory")), clock);
    private final List<String> events = new CopyOnWriteArrayList<>();

    /** The in-memory backend, whose destroy fails the way a vendor API without the endpoint does. */
    private static final class BrokenDestroy implements ClusterBackend {
        private final InMemoryClusterBackend inner;
        int destroys;

        BrokenDestroy(InMemoryClusterBackend inner) {
            this.inner = inner;
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
            destroys++;
            throw EphemeraException.backend("listing primary IPs: the Hetzner API has no endpoint GET /v1/primary_ips", null);
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

    @Test
    @DisplayName("a deletion that fails with an error retrying cannot fix fails at once, and the record stays Deleting")
    void nonRetryableDeletionFailsAtOnce() {
        BrokenDestroy broken = new BrokenDestroy(backend);
        Reconciler r = new Reconciler(repository, () -> SingleAdapterLookups.backends("memory", broken), () -> null,
                () -> new InMemoryWorkloadClusters(0), () -> SingleAdapterLookups.sinks("memory", new InMemorySecretSink()),
                new IpPools(new InMemoryLeaseStore(), clock), policies, new ControlPlane("test", List.of("memory")), clock);
        r.setSleeper(d -> {
            events.add("wait " + d.toMillis());
            clock.advance(d);
        });
        Clusters clusters = new Clusters(repository, policies, clock);
        clusters.claim(new ClaimRequest(ClusterId.of("d"), Optional.empty(), "memory", ClusterSpec.defaults(), Optional.empty(), List.of(), false));
        r.runUntilSettled(ClusterId.of("d"), clock.instant().plus(Duration.ofMinutes(5)), c -> { });
        clusters.delete(ClusterId.of("d"));
        events.clear();
        assertThatThrownBy(() -> r.runUntilSettled(ClusterId.of("d"), clock.instant().plus(Duration.ofMinutes(15)), c -> { }))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND))
                .hasMessageContaining("GET /v1/primary_ips");
        assertThat(broken.destroys).isEqualTo(1);
        assertThat(events).isEmpty();
        assertThat(repository.find(ClusterId.of("d")).orElseThrow().phase()).isEqualTo(Phase.DELETING);
    }

    @Test
    @DisplayName("a lost save (CONFLICT) is retried after a jittered backoff, not at once")
    void conflictBacksOff() {
        new Clusters(repository, policies, clock).claim(new ClaimRequest(ClusterId.of("c"), Optional.empty(), "memory",
                ClusterSpec.defaults(), Optional.empty(), List.of(), false));
        // Stuck past the provisioning timeout: the first step saves FAILED, and another writer "got there first".
        clock.advance(policies.provisioningTimeout().plusMinutes(1));
        boolean[] conflicted = {false};
        reconciler.setStepHook(saved -> {
            events.add("save " + saved.phase());
            if (!conflicted[0]) {
                conflicted[0] = true;
                events.add("conflict");
                throw EphemeraException.conflict("cluster c was changed by someone else");
            }
        });
        reconciler.setSleeper(d -> {
            events.add("wait " + d.toMillis());
            clock.advance(d);
        });
        Cluster end = reconciler.runUntilSettled(ClusterId.of("c"), clock.instant().plus(Duration.ofMinutes(5)), c -> { });
        assertThat(end.phase()).isEqualTo(Phase.DELETED);
        int conflict = events.indexOf("conflict");
        assertThat(conflict).isNotNegative();
        assertThat(events.get(conflict + 1)).startsWith("wait ");
        long waited = Long.parseLong(events.get(conflict + 1).substring(5));
        assertThat(waited).isBetween(1L, 500L);
    }
}
