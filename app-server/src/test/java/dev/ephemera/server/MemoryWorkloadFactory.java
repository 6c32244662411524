package dev.ephemera.server;

import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.ports.workload.WorkloadClusters;
import dev.ephemera.ports.workload.WorkloadClustersFactory;
import dev.ephemera.testkit.inmemory.InMemoryWorkloadClusters;
import java.util.List;

/** Test-only: the in-memory workload clusters under the name {@code memory}, registered in this module's test resources only. */
public final class MemoryWorkloadFactory implements WorkloadClustersFactory {
    @Override
    public String name() {
        return "memory";
    }

    @Override
    public String description() {
        return "test double: in-memory workload clusters";
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
