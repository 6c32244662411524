package dev.ephemera.testkit.inmemory;

import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.ports.workload.WorkloadClusters;
import dev.ephemera.ports.workload.WorkloadClustersFactory;
import java.util.List;

/**
 * Test-only: {@link InMemoryWorkloadClusters} (an API server ready at once) as {@code workload: in-memory}.
 * Not registered here: a test module that wants it names this class in its own {@code META-INF/services} test resource.
 */
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
