package dev.ephemera.benchmarks;

import dev.ephemera.application.ClaimRequest;
import dev.ephemera.application.Clusters;
import dev.ephemera.application.ControlPlane;
import dev.ephemera.application.IpPools;
import dev.ephemera.application.Reconciler;
import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.cluster.SinkTarget;
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
import dev.ephemera.testkit.inmemory.SingleAdapterLookups;
import dev.ephemera.testkit.inmemory.InMemoryWorkloadClusters;
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
 * Control-plane overhead per claim (DESIGN section 8: < 20 ms; 1,000 claims without slowing
 * down): claim → Ready through the real Reconciler with the real SQLite state and lease store,
 * the real BouncyCastle PKI (ECDSA P-256), the real file sink, and an instant backend and API
 * server (test doubles), so everything measured is Ephemera's own work.
 *
 * <p>Usage: {@code benchmarks/run ClaimOverheadHarness [claims=1000] [window=100] [keep|delete]}. With
 * {@code keep} (the default) every cluster stays Ready, so the last claim sees 999 live clusters
 * and leases; with {@code delete} each cluster is deleted (untimed) once Ready, as in CI where a
 * claim ends with its pull request: few live clusters, but the Deleted records accumulate.
 */
public final class ClaimOverheadHarness {
    private ClaimOverheadHarness() {
    }

    public static void main(String[] args) throws Exception {
        int claims = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int window = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        boolean delete = args.length > 2 && args[2].equals("delete");
        Path dir = Files.createTempDirectory("ephemera-claims");
        AdapterRegistry registry = AdapterRegistry.discover();
        Settings sqlite = new Settings("sqlite", Map.of("path", dir.resolve("state.db").toString()));
        ClusterRepository repo = registry.factory(ClusterRepositoryFactory.class, "sqlite").create(sqlite);
        LeaseStore leases = registry.factory(LeaseStoreFactory.class, "sqlite").create(sqlite);
        CertificateAuthority ca = registry.factory(CertificateAuthorityFactory.class, "bouncycastle").create(Settings.empty("bouncycastle"));
        SecretSink files = registry.factory(SecretSinkFactory.class, "file").create(new Settings("file", Map.of("directory", dir.resolve("secrets").toString())));
        InMemoryClusterBackend backend = new InMemoryClusterBackend(new BackendTraits(Optional.of("bench"), true), 0);
        Clock clock = Clock.systemUTC();
        Policies policies = new Policies(Duration.ofDays(3), Duration.ofHours(1), Duration.ofMinutes(15), Duration.ofMinutes(5), claims + 1, Map.of());
        IpPools pools = new IpPools(leases, clock);
        pools.create("bench", "10.0.0.0/16", List.of());
        ClusterBackends backends = SingleAdapterLookups.backends("instant", backend);
        SecretSinks sinks = SingleAdapterLookups.sinks("file", files);
        Reconciler reconciler = new Reconciler(repo, () -> backends, () -> ca, () -> new InMemoryWorkloadClusters(0), () -> sinks,
                pools, policies, new ControlPlane("bench", List.of()), clock);
        Clusters clusters = new Clusters(repo, policies, clock);

        long[] nanos = new long[claims];
        for (int i = 0; i < claims; i++) {
            ClusterId id = ClusterId.of("c-" + i);
            long t0 = System.nanoTime();
            clusters.claim(new ClaimRequest(id, Optional.empty(), "instant", ClusterSpec.defaults(), Optional.empty(),
                    List.of(new SinkTarget("file", "ci", Optional.empty(), "c-" + i)), false));
            Cluster c = reconciler.runUntilSettled(id, Instant.now().plusSeconds(60), x -> { });
            nanos[i] = System.nanoTime() - t0;
            if (c.phase() != Phase.READY) {
                throw new IllegalStateException("claim " + i + " ended " + c.phase() + ": " + c.failureReason().orElse(""));
            }
            if (delete) {
                clusters.delete(id);
                Cluster d = reconciler.runUntilSettled(id, Instant.now().plusSeconds(60), x -> { });
                if (d.phase() != Phase.DELETED) {
                    throw new IllegalStateException("deleting cluster " + i + " ended " + d.phase());
                }
            }
        }
        System.out.printf("claims=%d  (claim -> Ready: SQLite state+lease, ECDSA P-256 PKI, kubeconfig, file sink; instant backend)%s%n", claims,
                delete ? "; each deleted after Ready (untimed)" : "; all kept Ready");
        System.out.println("window        mean ms   p50 ms   p99 ms");
        for (int start = 0; start < claims; start += window) {
            long[] w = Arrays.copyOfRange(nanos, start, Math.min(claims, start + window));
            System.out.printf("%4d-%-4d  %8.2f %8.2f %8.2f%n", start, start + w.length - 1, mean(w), pct(w, 50), pct(w, 99));
        }
        System.out.printf("all        %8.2f %8.2f %8.2f%n", mean(nanos), pct(nanos, 50), pct(nanos, 99));
        repo.close();
        leases.close();
    }

    private static double mean(long[] v) {
        return Arrays.stream(v).average().orElse(0) / 1e6;
    }

    private static double pct(long[] v, int p) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)] / 1e6;
    }
}
