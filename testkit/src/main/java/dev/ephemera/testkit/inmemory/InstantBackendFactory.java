package dev.ephemera.testkit.inmemory;

import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.util.List;

/**
 * Test-only: the {@link InMemoryClusterBackend} under the name {@code instant}, one shared instance
 * ({@link #BACKEND}) so tests can look into it. Not registered here: a test module that wants it
 * names this class in its own {@code META-INF/services} test resource.
 */
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
