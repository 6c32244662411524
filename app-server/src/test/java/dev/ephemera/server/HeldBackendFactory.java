package dev.ephemera.server;

import dev.ephemera.domain.cluster.BackendRef;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.OwnedResource;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.ports.workload.AdminAccess;
import dev.ephemera.testkit.inmemory.InMemoryClusterBackend;
import dev.ephemera.testkit.inmemory.TestBackendFactory;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Test-only backend {@code held}: one in-memory "cloud" for every server process of a test (a static,
 * like one Hetzner project behind two replicas), whose deletions a test can hold until it lets them go,
 * and whose servers a test can keep booting. Its creates are counted once per cluster id, as a real
 * backend finds what it made before by label.
 */
public final class HeldBackendFactory extends TestBackendFactory {
    static final Held BACKEND = new Held();

    public HeldBackendFactory() {
        super("held", "an in-memory backend shared by every server of a test, with deletions that can be held");
    }

    static final class Held implements ClusterBackend {
        private volatile InMemoryClusterBackend cloud = InMemoryClusterBackend.instant();
        private volatile CountDownLatch destroys = new CountDownLatch(0);

        /** A fresh cloud, nothing held (each test starts with this). */
        void reset() {
            cloud = InMemoryClusterBackend.instant();
            destroys = new CountDownLatch(0);
        }

        /** Deletions wait until {@link #letDeletionsGo()} (at most two minutes, so a failed test does not hang). */
        void holdDeletions() {
            destroys = new CountDownLatch(1);
        }

        void letDeletionsGo() {
            destroys.countDown();
        }

        /** New servers stay booting until {@link #finishBooting()}. */
        void keepBooting() {
            cloud.setObservationsUntilRunning(Integer.MAX_VALUE);
        }

        void finishBooting() {
            cloud.setObservationsUntilRunning(0);
        }

        int creates() {
            return cloud.creates();
        }

        int servers() {
            return cloud.serverCount();
        }

        @Override
        public BackendTraits traits() {
            return cloud.traits();
        }

        @Override
        public BackendRef ensure(ProvisionRequest request) {
            return cloud.ensure(request);
        }

        @Override
        public Observation observe(ClusterId id) {
            return cloud.observe(id);
        }

        @Override
        public void destroy(ClusterId id) {
            try {
                destroys.await(2, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while a test held deletions");
            }
            cloud.destroy(id);
        }

        @Override
        public List<OwnedResource> owned() {
            return cloud.owned();
        }

        @Override
        public Optional<AdminAccess> ownAdminAccess(ClusterId id) {
            return cloud.ownAdminAccess(id);
        }
    }

    @Override
    public ClusterBackend create(Settings settings) {
        return BACKEND;
    }
}
