package dev.ephemera.testkit.inmemory;

import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.spi.Settings;

/**
 * Test-only: the {@link InMemoryClusterBackend} under the name {@code instant}, one shared instance
 * ({@link #BACKEND}) so tests can look into it. Not registered here: a test module that wants it
 * names this class in its own {@code META-INF/services} test resource.
 */
public final class InstantBackendFactory extends TestBackendFactory {
    public static final InMemoryClusterBackend BACKEND = InMemoryClusterBackend.instant();

    public InstantBackendFactory() {
        super("instant", "an in-memory backend");
    }

    @Override
    public ClusterBackend create(Settings settings) {
        return BACKEND;
    }
}
