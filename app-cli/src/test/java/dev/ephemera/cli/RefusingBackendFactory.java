package dev.ephemera.cli;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.inmemory.TestBackendFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Test-only backend {@code refusing}, registered in this module's test resources: every deletion fails as a cloud API's 500 would. */
public final class RefusingBackendFactory extends TestBackendFactory {
    static final AtomicInteger DESTROY_CALLS = new AtomicInteger();

    public RefusingBackendFactory() {
        super("refusing", "refuses every deletion");
    }

    @Override
    public ClusterBackend create(Settings settings) {
        return new Unused("reap tests") {
            @Override
            public void destroy(ClusterId id) {
                DESTROY_CALLS.incrementAndGet();
                throw new EphemeraException(ErrorCode.BACKEND, "the refusing backend answered 500 to deleting " + id);
            }
        };
    }
}
