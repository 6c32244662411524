package dev.ephemera.junit5.testing;

import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.ports.workload.WorkloadClusters;
import dev.ephemera.ports.workload.WorkloadClustersFactory;
import dev.ephemera.testkit.inmemory.InMemoryWorkloadClusters;
import java.util.List;

/** Test-only: testkit's in-memory API server as {@code workload: in-memory}, so instant clusters reach Ready. */
public final class InMemoryWorkloadFactory implements WorkloadClustersFactory {
    @Override
    public String name() {
        return "in-memory";
    }

    @Override
    public String description() {
        return "test double: an API server that is ready at once";
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
