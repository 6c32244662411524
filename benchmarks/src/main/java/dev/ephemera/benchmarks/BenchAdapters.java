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
