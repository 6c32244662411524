package dev.ephemera.benchmarks;

import dev.ephemera.application.ClaimRequest;
import dev.ephemera.application.Clusters;
import dev.ephemera.application.ControlPlane;
import dev.ephemera.application.IpPools;
import dev.ephemera.application.Reconciler;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.ports.backend.ClusterBackends;
import dev.ephemera.ports.secret.SecretSinks;
import dev.ephemera.ports.workload.AdminAccess;
import dev.ephemera.ports.workload.CiAccount;
import dev.ephemera.ports.workload.CiCredentials;
import dev.ephemera.ports.workload.Readiness;
import dev.ephemera.ports.workload.WorkloadClusters;
import dev.ephemera.testkit.inmemory.InMemoryClusterBackend;
import dev.ephemera.testkit.inmemory.SingleAdapterLookups;
import dev.ephemera.testkit.inmemory.InMemoryClusterRepository;
import dev.ephemera.testkit.inmemory.InMemoryLeaseStore;
import dev.ephemera.testkit.inmemory.InMemorySecretSink;
import dev.ephemera.testkit.inmemory.InMemoryWorkloadClusters;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Latency the reconciler adds to a provisioning wait (DESIGN section 8: < 1 s): an API server
 * becomes ready at a random moment 1–8 s after the claim, and the harness measures how long after
 * that moment the cluster is Ready. Everything else is instant, so the gap is the wait strategy's.
 *
 * <p>Usage: {@code benchmarks/run ReadinessLatencyHarness [clusters=20]}
 */
public final class ReadinessLatencyHarness {
    private ReadinessLatencyHarness() {
    }

    /** An API server that answers /readyz from a given instant on. */
    private static final class ReadyAt implements WorkloadClusters {
        volatile long readyAtNanos;

        @Override
        public Readiness probe(AdminAccess access) {
            return System.nanoTime() >= readyAtNanos ? new Readiness(true, "ok") : new Readiness(false, "connection refused");
        }

        @Override
        public CiCredentials bootstrap(AdminAccess access, CiAccount account) {
            return new CiCredentials(Secret.of("token"), InMemoryWorkloadClusters.FAKE_CA_PEM);
        }
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        InMemoryClusterRepository repo = new InMemoryClusterRepository();
        InMemoryClusterBackend backend = InMemoryClusterBackend.instant();
        InMemorySecretSink sink = new InMemorySecretSink();
        ReadyAt api = new ReadyAt();
        Clock clock = Clock.systemUTC();
        Policies d = Policies.defaults();
        Policies policies = new Policies(d.maxLifetime(), d.grace(), d.provisioningTimeout(), d.dnsTimeout(), n + 1, java.util.Map.of());
        ClusterBackends backends = SingleAdapterLookups.backends("instant", backend);
        SecretSinks sinks = SingleAdapterLookups.sinks("memory", sink);
        Reconciler reconciler = new Reconciler(repo, () -> backends, () -> null, () -> api, () -> sinks,
                new IpPools(new InMemoryLeaseStore(), clock), policies, new ControlPlane("bench", List.of()), clock);
        Clusters clusters = new Clusters(repo, policies, clock);
        long[] added = new long[n];
        for (int i = 0; i < n; i++) {
            ClusterId id = ClusterId.of("r-" + i);
            long bootMillis = ThreadLocalRandom.current().nextLong(1_000, 8_000);
            api.readyAtNanos = System.nanoTime() + Duration.ofMillis(bootMillis).toNanos();
            clusters.claim(new ClaimRequest(id, Optional.empty(), "instant", ClusterSpec.defaults(), Optional.empty(), List.of(), false));
            Cluster c = reconciler.runUntilSettled(id, Instant.now().plusSeconds(60), x -> { });
            long noticed = System.nanoTime();
            if (c.phase() != Phase.READY) {
                throw new IllegalStateException(id + " ended " + c.phase());
            }
            added[i] = noticed - api.readyAtNanos;
        }
        Arrays.sort(added);
        System.out.printf("clusters=%d  boot 1-8 s (random); latency added between /readyz turning ready and the cluster Ready:%n", n);
        System.out.printf("mean %.0f ms   p50 %.0f ms   max %.0f ms%n", Arrays.stream(added).average().orElse(0) / 1e6,
                added[n / 2] / 1e6, added[n - 1] / 1e6);
    }
}
