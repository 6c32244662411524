package dev.ephemera.server;

import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.inmemory.InMemoryClusterBackend;
import dev.ephemera.testkit.inmemory.TestBackendFactory;

/** Test-only: a second in-memory backend, {@code other}: the API tests' default backend, and a second name for the 409 test. */
public final class OtherInstantBackendFactory extends TestBackendFactory {
    static final InMemoryClusterBackend BACKEND = InMemoryClusterBackend.instant();

    public OtherInstantBackendFactory() {
        super("other", "a second in-memory backend");
    }

    @Override
    public ClusterBackend create(Settings settings) {
        return BACKEND;
    }
}
