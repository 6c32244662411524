package dev.ephemera.benchmarks;

import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.ports.workload.WorkloadClusters;
import dev.ephemera.ports.workload.WorkloadClustersFactory;
import dev.ephemera.testkit.inmemory.InMemoryClusterBackend;
import dev.ephemera.testkit.inmemory.InMemoryWorkloadClusters;
import java.util.List;

/**
 * Benchmark-only adapters, found through ServiceLoader on the benchmarks' class path only: an
 * instant backend ({@code backend: instant}) and an API server that is ready at once
 * ({@code workload: in-memory}), so a server benchmark measures Ephemera's own work.
 */
public final class BenchAdapters {
    private BenchAdapters() {
    }

    /** {@code instant}: testkit's in-memory backend, ready at once. */
    public static final class InstantBackendFactory implements ClusterBackendFactory {
        private static final InMemoryClusterBackend BACKEND = InMemoryClusterBackend.instant();

        @Override
        public String name() {
            return "instant";
        }

        @Override
        public String description() {
            return "benchmark double: an in-memory backend";
        }

        @Override
        public List<SettingSpec> settings() {
            return List.of();
        }

        @Override
        public ClusterBackend create(Settings settings) {
            return BACKEND;
        }
    }

    /**
     * {@code booting}: testkit's in-memory backend whose servers take {@code BOOT} to boot, counted
     * from their creation in this process (FailoverHarness: a cluster is mid-provisioning when the
     * leader is killed).
     */
    public static final class BootingBackendFactory implements ClusterBackendFactory {
        static final java.time.Duration BOOT = java.time.Duration.ofSeconds(3);
        private static final InMemoryClusterBackend CLOUD = InMemoryClusterBackend.instant();
        private static final java.util.Map<dev.ephemera.domain.cluster.ClusterId, Long> CREATED = new java.util.concurrent.ConcurrentHashMap<>();
        private static final ClusterBackend BACKEND = new ClusterBackend() {
            @Override
            public dev.ephemera.ports.backend.BackendTraits traits() {
                return CLOUD.traits();
            }

            @Override
            public dev.ephemera.domain.cluster.BackendRef ensure(dev.ephemera.ports.backend.ProvisionRequest request) {
                CREATED.putIfAbsent(request.id(), System.nanoTime());
                return CLOUD.ensure(request);
            }

            @Override
            public dev.ephemera.ports.backend.Observation observe(dev.ephemera.domain.cluster.ClusterId id) {
                Long at = CREATED.get(id);
                if (at != null && System.nanoTime() - at < BOOT.toNanos()) {
                    return new dev.ephemera.ports.backend.Observation(dev.ephemera.ports.backend.Observation.State.CREATING,
                            java.util.Optional.empty(), "booting");
                }
                return CLOUD.observe(id);
            }

            @Override
            public void destroy(dev.ephemera.domain.cluster.ClusterId id) {
                CREATED.remove(id);
                CLOUD.destroy(id);
            }

            @Override
            public List<dev.ephemera.ports.backend.OwnedResource> owned() {
                return CLOUD.owned();
            }

            @Override
            public java.util.Optional<dev.ephemera.ports.workload.AdminAccess> ownAdminAccess(dev.ephemera.domain.cluster.ClusterId id) {
                return CLOUD.ownAdminAccess(id);
            }
        };

        @Override
        public String name() {
            return "booting";
        }

        @Override
        public String description() {
            return "benchmark double: an in-memory backend whose servers boot in " + BOOT.toSeconds() + " s";
        }

        @Override
        public List<SettingSpec> settings() {
            return List.of();
        }

        @Override
        public ClusterBackend create(Settings settings) {
            return BACKEND;
        }
    }

    /** {@code in-memory}: testkit's API server double. */
    public static final class InMemoryWorkloadFactory implements WorkloadClustersFactory {
        @Override
        public String name() {
            return "in-memory";
        }

        @Override
        public String description() {
            return "benchmark double: an API server that is ready at once";
        }

        @Override
        public List<SettingSpec> settings() {
            return List.of();
        }

        @Override
        public WorkloadClusters create(Settings settings) {
            return new InMemoryWorkloadClusters(0);
        }
    }
}
