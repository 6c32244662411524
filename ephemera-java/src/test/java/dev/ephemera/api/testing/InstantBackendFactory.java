package dev.ephemera.api.testing;

import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.inmemory.InMemoryClusterBackend;
import java.util.List;

/** Test-only: testkit's in-memory backend as {@code instant}, registered in this module's test resources only. */
public final class InstantBackendFactory implements ClusterBackendFactory {
    public static final InMemoryClusterBackend BACKEND = InMemoryClusterBackend.instant();

    @Override
    public String name() {
        return "instant";
    }

    @Override
    public String description() {
        return "test double: an in-memory backend";
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
