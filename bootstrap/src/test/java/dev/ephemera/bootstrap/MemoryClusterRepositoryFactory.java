package dev.ephemera.bootstrap;

import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.ports.state.ClusterRepositoryFactory;
import dev.ephemera.testkit.inmemory.InMemoryClusterRepository;
import java.util.List;

/** Test-only factory, registered in this module's test resources, so the use cases can be built without SQLite. */
public final class MemoryClusterRepositoryFactory implements ClusterRepositoryFactory {
    @Override
    public String name() {
        return "memory";
    }

    @Override
    public String description() {
        return "test cluster repository";
    }

    @Override
    public List<SettingSpec> settings() {
        return List.of();
    }

    @Override
    public ClusterRepository create(Settings settings) {
        return new InMemoryClusterRepository();
    }
}
