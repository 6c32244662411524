package dev.ephemera.cli;

import dev.ephemera.domain.cluster.BackendRef;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.OwnedResource;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test-only backend {@code refusing}, registered in this module's test resources: every deletion
 * fails as a cloud API's 500 would. It does not extend testkit's {@code TestBackendFactory}: the
 * end-to-end tests start the distribution with this module's test classes on its class path
 * (CrashSafetyIT, DockerClusterIT, KindClusterIT) but not testkit, and {@code ServiceLoader}
 * finds this factory there too.
 */
public final class RefusingBackendFactory implements ClusterBackendFactory {
    static final AtomicInteger DESTROY_CALLS = new AtomicInteger();

    @Override
    public String name() {
        return "refusing";
    }

    @Override
    public String description() {
        return "test double: refuses every deletion";
    }

    @Override
    public List<SettingSpec> settings() {
        return List.of();
    }

    @Override
    public ClusterBackend create(Settings settings) {
        return new ClusterBackend() {
            @Override
            public BackendTraits traits() {
                return new BackendTraits(Optional.empty(), false);
            }

            @Override
            public BackendRef ensure(ProvisionRequest request) {
                throw new UnsupportedOperationException("reap tests only");
            }

            @Override
            public Observation observe(ClusterId id) {
                throw new UnsupportedOperationException("reap tests only");
            }

            @Override
            public void destroy(ClusterId id) {
                DESTROY_CALLS.incrementAndGet();
                throw new EphemeraException(ErrorCode.BACKEND, "the refusing backend answered 500 to deleting " + id);
            }

            @Override
            public List<OwnedResource> owned() {
                return List.of();
            }
        };
    }
}
