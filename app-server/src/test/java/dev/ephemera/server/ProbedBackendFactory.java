package dev.ephemera.server;

import dev.ephemera.domain.cluster.BackendRef;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.OwnedResource;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.spi.Health;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test-only backend {@code probed} that counts its health checks (as a cloud API would count
 * requests) and can hold a check until released, as a slow cloud API would.
 */
public final class ProbedBackendFactory implements ClusterBackendFactory {
    static final AtomicInteger HEALTH_CALLS = new AtomicInteger();
    /** When set, a health check waits (at most 30 s) until it is counted down. */
    static volatile CountDownLatch hold;
    /** Counted down when a health check starts. */
    static volatile CountDownLatch entered = new CountDownLatch(1);

    static void reset() {
        HEALTH_CALLS.set(0);
        hold = null;
        entered = new CountDownLatch(1);
    }

    @Override
    public String name() {
        return "probed";
    }

    @Override
    public String description() {
        return "test double: counts and can hold its health checks";
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
                throw new UnsupportedOperationException("health tests only");
            }

            @Override
            public Observation observe(ClusterId id) {
                throw new UnsupportedOperationException("health tests only");
            }

            @Override
            public void destroy(ClusterId id) {
                throw new UnsupportedOperationException("health tests only");
            }

            @Override
            public List<OwnedResource> owned() {
                return List.of();
            }

            @Override
            public Health health() {
                HEALTH_CALLS.incrementAndGet();
                entered.countDown();
                CountDownLatch h = hold;
                if (h != null) {
                    try {
                        h.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return Health.up("probed");
            }
        };
    }
}
