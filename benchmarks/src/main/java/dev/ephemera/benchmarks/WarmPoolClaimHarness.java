package dev.ephemera.benchmarks;

import dev.ephemera.application.ClaimRequest;
import dev.ephemera.application.ClusterEvents;
import dev.ephemera.application.Clusters;
import dev.ephemera.application.ControlPlane;
import dev.ephemera.application.IpPools;
import dev.ephemera.application.Reconciler;
import dev.ephemera.application.warmpool.WarmPoolSettings;
import dev.ephemera.application.warmpool.WarmPools;
import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.warmpool.PoolMembership;
import dev.ephemera.domain.warmpool.WarmPoolSpec;
import dev.ephemera.domain.warmpool.WhenEmpty;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.ports.backend.ClusterBackends;
import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.ports.lease.LeaseStoreFactory;
import dev.ephemera.ports.pki.CertificateAuthority;
import dev.ephemera.ports.pki.CertificateAuthorityFactory;
import dev.ephemera.ports.secret.SecretSink;
import dev.ephemera.ports.secret.SecretSinkFactory;
import dev.ephemera.ports.secret.SecretSinks;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.ports.state.ClusterRepositoryFactory;
import dev.ephemera.testkit.inmemory.InMemoryClusterBackend;
import dev.ephemera.testkit.inmemory.InMemoryWorkloadClusters;
import dev.ephemera.testkit.inmemory.SingleAdapterLookups;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A claim from a warm pool beside a cold claim, on the same instant backend and the same real
 * stores (SQLite state and lease, BouncyCastle ECDSA PKI, file sink) as {@link ClaimOverheadHarness}.
 *
 * <ul>
 *   <li><b>warm</b>: {@code WarmPools.submit} naming the pool, timed until it returns the member
 *       Ready with a freshly rotated CI token, its kubeconfig stored and pushed. After each claim
 *       (untimed) the member is deleted and the pool refilled, so every claim finds the pool full.</li>
 *   <li><b>cold</b>: an ordinary claim driven to Ready by the reconciler (lease, PKI, create,
 *       readiness, CI account, kubeconfig, sink), each deleted afterwards (untimed).</li>
 *   <li><b>refill</b>: how many members per second one keeper look plus the reconciler bring
 *       from Requested to Ready, filling an empty pool of {@code size}.</li>
 * </ul>
 *
 * <p>Usage: {@code benchmarks/run WarmPoolClaimHarness [claims=200] [size=10]}.
 */
public final class WarmPoolClaimHarness {
    private WarmPoolClaimHarness() {
    }

    public static void main(String[] args) throws Exception {
        int claims = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path dir = Files.createTempDirectory("ephemera-warm");
        AdapterRegistry registry = AdapterRegistry.discover();
        Settings sqlite = new Settings("sqlite", Map.of("path", dir.resolve("state.db").toString()));
        ClusterRepository repo = registry.factory(ClusterRepositoryFactory.class, "sqlite").create(sqlite);
        LeaseStore leases = registry.factory(LeaseStoreFactory.class, "sqlite").create(sqlite);
        CertificateAuthority ca = registry.factory(CertificateAuthorityFactory.class, "bouncycastle").create(Settings.empty("bouncycastle"));
        SecretSink files = registry.factory(SecretSinkFactory.class, "file").create(new Settings("file", Map.of("directory", dir.resolve("secrets").toString())));
        InMemoryClusterBackend backend = new InMemoryClusterBackend(new BackendTraits(Optional.of("bench"), true), 0);
        InMemoryWorkloadClusters workload = new InMemoryWorkloadClusters(0);
        Clock clock = Clock.systemUTC();
        Policies policies = new Policies(Duration.ofDays(3), Duration.ofHours(1), Duration.ofMinutes(15), Duration.ofMinutes(5),
                4 * size + 10, Map.of());
        IpPools pools = new IpPools(leases, clock);
        pools.create("bench", "10.0.0.0/16", List.of());
        ClusterBackends backends = SingleAdapterLookups.backends("instant", backend);
        SecretSinks sinks = SingleAdapterLookups.sinks("file", files);
        ControlPlane controlPlane = new ControlPlane("bench", List.of());
        Reconciler reconciler = new Reconciler(repo, () -> backends, () -> ca, () -> workload, () -> sinks, pools, policies, controlPlane, clock);
        ClusterEvents events = new ClusterEvents();
        Clusters clusters = new Clusters(repo, policies, clock, events);
        WarmPoolSpec spec = new WarmPoolSpec("bench", "instant", ClusterSpec.defaults(), size, 2 * size, size, Duration.ofHours(1),
                Duration.ofHours(4), Optional.empty(), Duration.ofMinutes(1), WhenEmpty.FALLBACK, Duration.ofMinutes(1));
        WarmPools warm = new WarmPools(repo, () -> backends, () -> workload, () -> sinks, clusters, policies, controlPlane, clock, events,
                new WarmPoolSettings(List.of(spec), WarmPoolSettings.DEFAULT_INTERVAL));

        // Refill throughput: an empty pool filled to size.
        long f0 = System.nanoTime();
        int made = fill(warm, reconciler);
        double fillSeconds = (System.nanoTime() - f0) / 1e9;

        long[] warmNanos = new long[claims];
        long refillNanos = 0;
        int refilled = 0;
        for (int i = 0; i < claims; i++) {
            ClaimRequest r = new ClaimRequest(ClusterId.of("w-" + i), Optional.empty(), "instant", ClusterSpec.defaults(), Optional.empty(),
                    List.of(new SinkTarget("file", "ci", Optional.empty(), "w-" + i)), false);
            long t0 = System.nanoTime();
            Cluster c = warm.submit(r, Optional.of("bench")).cluster();
            warmNanos[i] = System.nanoTime() - t0;
            if (c.phase() != Phase.READY || PoolMembership.pool(c).isEmpty()) {
                throw new IllegalStateException("warm claim " + i + " was not served from the pool: " + c.phase() + " " + c.id());
            }
            clusters.delete(c.id());
            reconciler.runUntilSettled(c.id(), Instant.now().plusSeconds(60), x -> { });
            long r0 = System.nanoTime();
            refilled += fill(warm, reconciler);
            refillNanos += System.nanoTime() - r0;
        }

        // A warm claim reads every record once (repeated-claim check and free members): how long is that read now?
        long[] listNanos = new long[21];
        int records = 0;
        for (int i = 0; i < listNanos.length; i++) {
            long l0 = System.nanoTime();
            records = repo.list().size();
            listNanos[i] = System.nanoTime() - l0;
        }

        long[] coldNanos = new long[claims];
        for (int i = 0; i < claims; i++) {
            ClusterId id = ClusterId.of("c-" + i);
            long t0 = System.nanoTime();
            clusters.claim(new ClaimRequest(id, Optional.empty(), "instant", ClusterSpec.defaults(), Optional.empty(),
                    List.of(new SinkTarget("file", "ci", Optional.empty(), "c-" + i)), false));
            Cluster c = reconciler.runUntilSettled(id, Instant.now().plusSeconds(60), x -> { });
            coldNanos[i] = System.nanoTime() - t0;
            if (c.phase() != Phase.READY) {
                throw new IllegalStateException("cold claim " + i + " ended " + c.phase());
            }
            clusters.delete(id);
            reconciler.runUntilSettled(id, Instant.now().plusSeconds(60), x -> { });
        }

        System.out.printf("claims=%d pool size=%d (instant backend; SQLite state+lease, ECDSA P-256 PKI, file sink)%n", claims, size);
        System.out.println("                       mean ms   p50 ms   p99 ms    max ms");
        System.out.printf("warm claim (pool)     %8.2f %8.2f %8.2f %9.2f%n", mean(warmNanos), pct(warmNanos, 50), pct(warmNanos, 99), max(warmNanos));
        long[] firstWarm = Arrays.copyOfRange(warmNanos, 0, Math.min(20, claims));
        long[] lastWarm = Arrays.copyOfRange(warmNanos, Math.max(0, claims - 20), claims);
        System.out.printf("  warm, first 20 / last 20 claims: p50 %.2f / %.2f ms%n", pct(firstWarm, 50), pct(lastWarm, 50));
        System.out.printf("cold claim -> Ready   %8.2f %8.2f %8.2f %9.2f%n", mean(coldNanos), pct(coldNanos, 50), pct(coldNanos, 99), max(coldNanos));
        System.out.printf("refill: empty pool of %d filled in %.2f s (%.1f members/s); one-by-one refills after claims: %.1f members/s%n",
                made, fillSeconds, made / fillSeconds, refilled / (refillNanos / 1e9));
        System.out.printf("one full read of the store (%d records, most of them Deleted members): p50 %.2f ms%n", records, pct(listNanos, 50));
        System.out.printf("load average: %s%n", Files.readString(Path.of("/proc/loadavg")).strip());
        repo.close();
        leases.close();
    }

    /** One keeper look, then every new member driven to Ready; how many were made. */
    private static int fill(WarmPools warm, Reconciler reconciler) {
        List<ClusterId> created = warm.tick().created();
        for (ClusterId id : created) {
            Cluster c = reconciler.runUntilSettled(id, Instant.now().plusSeconds(60), x -> { });
            if (c.phase() != Phase.READY) {
                throw new IllegalStateException("member " + id + " ended " + c.phase());
            }
        }
        return created.size();
    }

    private static double mean(long[] v) {
        return Arrays.stream(v).average().orElse(0) / 1e6;
    }

    private static double max(long[] v) {
        return Arrays.stream(v).max().orElse(0) / 1e6;
    }

    private static double pct(long[] v, int p) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)] / 1e6;
    }
}
