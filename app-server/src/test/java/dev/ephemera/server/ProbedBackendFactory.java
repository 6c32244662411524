package dev.ephemera.server;

import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.spi.Health;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.inmemory.TestBackendFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test-only backend {@code probed} that counts its health checks (as a cloud API would count
 * requests) and can hold a check until released, as a slow cloud API would.
 */
public final class ProbedBackendFactory extends TestBackendFactory {
    static final AtomicInteger HEALTH_CALLS = new AtomicInteger();
    /** When set, a health check waits (at most 30 s) until it is counted down. */
    static volatile CountDownLatch hold;
    /** Counted down when a health check starts. */
    static volatile CountDownLatch entered = new CountDownLatch(1);

    public ProbedBackendFactory() {
        super("probed", "counts and can hold its health checks");
    }

    static void reset() {
        HEALTH_CALLS.set(0);
        hold = null;
        entered = new CountDownLatch(1);
    }

    @Override
    public ClusterBackend create(Settings settings) {
        return new Unused("health tests") {
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
