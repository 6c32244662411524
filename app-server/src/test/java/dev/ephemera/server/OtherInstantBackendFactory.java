package dev.ephemera.server;

import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.inmemory.InMemoryClusterBackend;
import java.util.List;

/** Test-only: a second in-memory backend, {@code other}: the API tests' default backend, and a second name for the 409 test. */
public final class OtherInstantBackendFactory implements ClusterBackendFactory {
    static final InMemoryClusterBackend BACKEND = InMemoryClusterBackend.instant();

    @Override
    public String name() {
        return "other";
    }

    @Override
    public String description() {
        return "test double: a second in-memory backend";
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
