package dev.ephemera.application;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackends;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.ports.secret.SecretSink;
import dev.ephemera.ports.secret.SecretSinks;
import dev.ephemera.testkit.inmemory.InMemoryClusterBackend;
import dev.ephemera.testkit.inmemory.InMemoryClusterRepository;
import dev.ephemera.testkit.inmemory.InMemoryLeaseStore;
import dev.ephemera.testkit.inmemory.InMemorySecretSink;
import dev.ephemera.testkit.inmemory.InMemoryWorkloadClusters;
import dev.ephemera.testkit.inmemory.SingleAdapterLookups;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ReconcilerTest {
    private final InMemoryClusterRepository repository = new InMemoryClusterRepository();
    private final InMemoryLeaseStore leases = new InMemoryLeaseStore();
    private final InMemorySecretSink sink = new InMemorySecretSink();
    private final InMemoryClusterBackend backend = new InMemoryClusterBackend(new BackendTraits(Optional.of("lab"), false), 2);
    private final InMemoryWorkloadClusters workload = new InMemoryWorkloadClusters(1);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T00:00:00Z"));
    private final Policies policies = Policies.defaults();
    private final IpPools pools = new IpPools(leases, clock);
    private final ControlPlane controlPlane = new ControlPlane("test", List.of("memory"));
    private final Reconciler reconciler = new Reconciler(repository, () -> backends(backend), () -> {
        throw new AssertionError("this backend brings its own credentials");
    }, () -> workload, () -> sinks(sink), pools, policies, controlPlane, clock);
    private final Clusters clusters = new Clusters(repository, policies, clock);

    ReconcilerTest() {
        pools.create("lab", "10.0.0.1-10.0.0.2", List.of());
    }

    private static ClusterBackends backends(ClusterBackend b) {
        return SingleAdapterLookups.backends("memory", b);
    }

    private static SecretSinks sinks(SecretSink s) {
        return SingleAdapterLookups.sinks("memory", s);
    }

    private Cluster claim(String id) {
        return clusters.claim(new ClaimRequest(ClusterId.of(id), Optional.of(Owner.parse("acme/shop#42")), "memory",
                ClusterSpec.defaults(), Optional.empty(), List.of(SinkTarget.parse("memory:acme/shop:E2E_KUBECONFIG")), false));
    }

    private Instant deadline() {
        return clock.instant().plus(Duration.ofMinutes(15));
    }

    @Test
    void aClaimGoesFromRequestedToReadyWithALeaseAKubeconfigAndPushedSecrets() {
        claim("pr-42-shop");
        Cluster ready = reconciler.runUntilSettled(ClusterId.of("pr-42-shop"), deadline(), c -> { });
        assertThat(ready.phase()).isEqualTo(Phase.READY);
        assertThat(ready.lease()).map(l -> l.address()).contains("10.0.0.1");
        assertThat(ready.endpoint()).isPresent();
        assertThat(clusters.kubeconfig(ClusterId.of("pr-42-shop")).reveal()).contains("token-for-127.0.0.1");
        assertThat(sink.read(new SecretAddress("acme/shop", Optional.empty(), "E2E_KUBECONFIG"))).isPresent();
        assertThat(sink.read(SecretAddress.of("pr-42-shop", "kubeconfig"))).isPresent();
        assertThat(backend.creates()).isEqualTo(1);
        assertThat(ready.timeline()).extracting(e -> e.phase()).contains(Phase.REQUESTED, Phase.PROVISIONING, Phase.BOOTSTRAPPING, Phase.READY);
    }

    @Test
    void deletingRemovesServerLeaseSecretsAndCredentials() {
        claim("pr-1");
        reconciler.runUntilSettled(ClusterId.of("pr-1"), deadline(), c -> { });
        clusters.delete(ClusterId.of("pr-1"));
        Cluster gone = reconciler.runUntilSettled(ClusterId.of("pr-1"), deadline(), c -> { });
        assertThat(gone.phase()).isEqualTo(Phase.DELETED);
        assertThat(backend.serverCount()).isZero();
        assertThat(pools.list("lab")).isEmpty();
        assertThat(sink.size()).isZero();
        assertThat(repository.credential(ClusterId.of("pr-1"), "kubeconfig")).isEmpty();
    }

    @Test
    void aCrashAfterEverySavedStepConvergesToReadyWithExactlyOneServer() {
        for (int crashAt = 1; crashAt <= 8; crashAt++) {
            InMemoryClusterRepository repo = new InMemoryClusterRepository();
            InMemoryClusterBackend b = new InMemoryClusterBackend(new BackendTraits(Optional.of("lab"), false), 1);
            InMemoryLeaseStore ls = new InMemoryLeaseStore();
            IpPools p = new IpPools(ls, clock);
            p.create("lab", "10.0.0.1-10.0.0.2", List.of());
            Reconciler r = new Reconciler(repo, () -> backends(b), () -> null, () -> new InMemoryWorkloadClusters(0),
                    () -> sinks(sink), p, policies, controlPlane, clock);
            new Clusters(repo, policies, clock).claim(new ClaimRequest(ClusterId.of("c"), Optional.empty(), "memory",
                    ClusterSpec.defaults(), Optional.empty(), List.of(), false));
            int[] saves = {0};
            int at = crashAt;
            r.setStepHook(saved -> {
                if (++saves[0] == at) {
                    throw new SimulatedCrash();
                }
            });
            try {
                r.runUntilSettled(ClusterId.of("c"), deadline(), c -> { });
            } catch (SimulatedCrash expected) {
                // the process died here; a new one takes over
            }
            r.setStepHook(null);
            Cluster after = r.runUntilSettled(ClusterId.of("c"), deadline(), c -> { });
            assertThat(after.phase()).as("crash after save #" + crashAt).isEqualTo(Phase.READY);
            assertThat(b.serverCount()).as("servers after crash #" + crashAt).isEqualTo(1);
            assertThat(p.list("lab")).as("leases after crash #" + crashAt).hasSize(1);
        }
    }

    @Test
    void aFatalBackendErrorFailsTheClaimAndReleasesWhatWasTaken() {
        backend.failNextCreate(new EphemeraException(ErrorCode.LIMIT_EXCEEDED, "resource_limit_exceeded: server limit reached"));
        claim("pr-9");
        java.util.List<EphemeraException> failures = new java.util.ArrayList<>();
        Cluster end = reconciler.runUntilSettled(ClusterId.of("pr-9"), deadline(), c -> { }, failures::add);
        assertThat(end.phase()).isEqualTo(Phase.DELETED);
        assertThat(failures).extracting(EphemeraException::code).containsExactly(ErrorCode.LIMIT_EXCEEDED);
        assertThat(end.failureReason()).get().asString().contains("resource_limit_exceeded");
        assertThat(pools.list("lab")).isEmpty();
        assertThat(backend.serverCount()).isZero();
    }

    @Test
    void aStuckClusterFailsAfterTheProvisioningTimeout() {
        backend.setObservationsUntilRunning(Integer.MAX_VALUE);
        claim("slow");
        AtomicReference<Phase> seen = new AtomicReference<>();
        reconciler.step(ClusterId.of("slow"));
        reconciler.step(ClusterId.of("slow"));
        clock.advance(policies.provisioningTimeout());
        StepOutcome o = reconciler.step(ClusterId.of("slow"));
        seen.set(o.cluster().phase());
        assertThat(seen.get()).isEqualTo(Phase.FAILED);
        assertThat(o.cluster().failureReason()).get().asString().contains("provisioning timeout");
    }

    @Test
    void theReaperDeletesExpiredAndReleasedClustersAndOrphans() {
        claim("old");
        reconciler.runUntilSettled(ClusterId.of("old"), deadline(), c -> { });
        claim("closed");
        reconciler.runUntilSettled(ClusterId.of("closed"), deadline(), c -> { });
        clusters.release(ClusterId.of("closed"));
        backend.adopt(new dev.ephemera.ports.backend.ProvisionRequest(ClusterId.of("orphan"), ClusterSpec.defaults(), Optional.empty(),
                Optional.empty(), java.util.Map.of()));
        Reaper reaper = new Reaper(repository, reconciler, () -> backends(backend), policies, clock);
        clock.advance(Duration.ofMinutes(61));
        Reaper.Sweep s = reaper.sweep(List.of("memory"));
        assertThat(s.markedForDeletion()).containsExactly("closed");
        assertThat(s.deleted()).containsExactly("closed");
        assertThat(s.orphansDestroyed()).extracting(r -> r.clusterId().orElseThrow()).containsExactly("orphan");
        clock.advance(Duration.ofDays(3));
        assertThat(reaper.sweep(List.of()).deleted()).containsExactly("old");
        assertThat(backend.serverCount()).isZero();
    }

    @Test
    void aClusterKeptOnFailureIsStillDeletedAtItsMaximumLifetime() {
        backend.failNextCreate(new EphemeraException(ErrorCode.BACKEND, "the test backend refused to create"));
        clusters.claim(new ClaimRequest(ClusterId.of("kept"), Optional.empty(), "memory", ClusterSpec.defaults(), Optional.empty(),
                List.of(), true));
        Cluster failed = reconciler.runUntilSettled(ClusterId.of("kept"), deadline(), c -> { });
        assertThat(failed.phase()).isEqualTo(Phase.FAILED);
        Reaper reaper = new Reaper(repository, reconciler, () -> backends(backend), policies, clock);
        clock.advance(Duration.ofDays(2));
        assertThat(reaper.sweep(List.of()).markedForDeletion()).isEmpty();
        assertThat(repository.find(ClusterId.of("kept")).orElseThrow().phase()).isEqualTo(Phase.FAILED);
        clock.advance(Duration.ofDays(1));
        Reaper.Sweep s = reaper.sweep(List.of());
        assertThat(s.markedForDeletion()).containsExactly("kept");
        assertThat(s.deleted()).containsExactly("kept");
        assertThat(repository.find(ClusterId.of("kept")).orElseThrow().phase()).isEqualTo(Phase.DELETED);
        assertThat(pools.list("lab")).isEmpty();
    }

    @Test
    void aSweepSurvivesAnyAdapterExceptionAndReportsEachFailure() {
        claim("breaks");
        reconciler.runUntilSettled(ClusterId.of("breaks"), deadline(), c -> { });
        claim("fine");
        reconciler.runUntilSettled(ClusterId.of("fine"), deadline(), c -> { });
        ClusterBackend brittle = new ClusterBackend() {
            @Override
            public BackendTraits traits() {
                return backend.traits();
            }

            @Override
            public dev.ephemera.domain.cluster.BackendRef ensure(dev.ephemera.ports.backend.ProvisionRequest request) {
                return backend.ensure(request);
            }

            @Override
            public dev.ephemera.ports.backend.Observation observe(ClusterId id) {
                return backend.observe(id);
            }

            @Override
            public void destroy(ClusterId id) {
                if (id.value().equals("breaks")) {
                    throw new IllegalStateException("a bug in the adapter");
                }
                backend.destroy(id);
            }

            @Override
            public List<dev.ephemera.ports.backend.OwnedResource> owned() {
                throw new UnsupportedOperationException("listing is broken too");
            }
        };
        Reconciler brittleReconciler = new Reconciler(repository, () -> backends(brittle), () -> {
            throw new AssertionError("this backend brings its own credentials");
        }, () -> workload, () -> sinks(sink), pools, policies, controlPlane, clock);
        Reaper reaper = new Reaper(repository, brittleReconciler, () -> backends(brittle), policies, clock);
        clock.advance(Duration.ofDays(3));

        Reaper.Sweep s = reaper.sweep(List.of("memory"));

        assertThat(s.markedForDeletion()).containsExactlyInAnyOrder("breaks", "fine");
        assertThat(s.deleted()).containsExactly("fine");
        assertThat(s.failures()).extracting(Reaper.Failure::subject).containsExactlyInAnyOrder("cluster breaks", "orphans memory");
        assertThat(s.failures()).filteredOn(f -> f.subject().equals("cluster breaks")).singleElement()
                .satisfies(f -> assertThat(f.reason()).contains("a bug in the adapter"));
        assertThat(repository.find(ClusterId.of("breaks")).orElseThrow().phase()).isEqualTo(Phase.DELETING);
        assertThat(repository.find(ClusterId.of("fine")).orElseThrow().phase()).isEqualTo(Phase.DELETED);
    }

    @Test
    void aDeletionTheBackendRefusesIsReportedAndTriedAgainAtTheNextSweep() {
        claim("refused");
        reconciler.runUntilSettled(ClusterId.of("refused"), deadline(), c -> { });
        clusters.delete(ClusterId.of("refused"));
        java.util.concurrent.atomic.AtomicBoolean refuse = new java.util.concurrent.atomic.AtomicBoolean(true);
        ClusterBackend refusing = new ClusterBackend() {
            @Override
            public BackendTraits traits() {
                return backend.traits();
            }

            @Override
            public dev.ephemera.domain.cluster.BackendRef ensure(dev.ephemera.ports.backend.ProvisionRequest request) {
                return backend.ensure(request);
            }

            @Override
            public dev.ephemera.ports.backend.Observation observe(ClusterId id) {
                return backend.observe(id);
            }

            @Override
            public void destroy(ClusterId id) {
                if (refuse.get()) {
                    throw new EphemeraException(ErrorCode.BACKEND, "the API answered 500");
                }
                backend.destroy(id);
            }

            @Override
            public List<dev.ephemera.ports.backend.OwnedResource> owned() {
                return backend.owned();
            }
        };
        Reconciler r = new Reconciler(repository, () -> backends(refusing), () -> {
            throw new AssertionError("this backend brings its own credentials");
        }, () -> workload, () -> sinks(sink), pools, policies, controlPlane, clock);
        Reaper reaper = new Reaper(repository, r, () -> backends(refusing), policies, clock);
        Reaper.Sweep s = reaper.sweep(List.of());
        assertThat(s.deleted()).isEmpty();
        assertThat(s.failures()).singleElement().satisfies(f -> {
            assertThat(f.subject()).isEqualTo("cluster refused");
            assertThat(f.code()).isEqualTo(ErrorCode.BACKEND);
            assertThat(f.reason()).contains("answered 500");
        });
        refuse.set(false);
        Reaper.Sweep again = reaper.sweep(List.of());
        assertThat(again.deleted()).containsExactly("refused");
        assertThat(again.failures()).isEmpty();
    }

    @Test
    void aClusterStillComingUpIsNeverTakenForAnOrphan() {
        claim("fresh");
        reconciler.step(ClusterId.of("fresh"));
        reconciler.step(ClusterId.of("fresh"));
        assertThat(backend.serverCount()).isEqualTo(1);
        Reaper reaper = new Reaper(repository, reconciler, () -> backends(backend), policies, clock);
        assertThat(reaper.sweep(List.of("memory")).orphansDestroyed()).isEmpty();
        assertThat(backend.serverCount()).isEqualTo(1);
    }

    @Test
    void claimingTheSameIdTwiceReturnsTheSameClusterAndAReleasedOneComesBack() {
        Cluster a = claim("same");
        assertThat(claim("same").createdAt()).isEqualTo(a.createdAt());
        reconciler.runUntilSettled(ClusterId.of("same"), deadline(), c -> { });
        clusters.release(ClusterId.of("same"));
        assertThat(claim("same").phase()).isEqualTo(Phase.READY);
    }

    private static final class SimulatedCrash extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
