package dev.ephemera.testkit.inmemory;

import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.workload.AdminAccess;
import dev.ephemera.ports.workload.CiAccount;
import dev.ephemera.ports.workload.CiCredentials;
import dev.ephemera.ports.workload.Readiness;
import dev.ephemera.ports.workload.WorkloadClusters;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test double: an API server that becomes ready after a number of probes and hands out a fixed
 * token. Never registered for production use.
 */
public final class InMemoryWorkloadClusters implements WorkloadClusters {
    /** A syntactically PEM-shaped CA for kubeconfig models; not a real certificate. */
    public static final String FAKE_CA_PEM = "-----BEGIN CERTIFICATE-----\nZmFrZQ==\n-----END CERTIFICATE-----\n";

    private final AtomicInteger probesUntilReady;
    private final AtomicInteger bootstraps = new AtomicInteger();

    public InMemoryWorkloadClusters(int probesUntilReady) {
        this.probesUntilReady = new AtomicInteger(probesUntilReady);
    }

    public int bootstraps() {
        return bootstraps.get();
    }

    @Override
    public Readiness probe(AdminAccess access) {
        return probesUntilReady.getAndDecrement() > 0 ? new Readiness(false, "connection refused") : new Readiness(true, "ok");
    }

    @Override
    public CiCredentials bootstrap(AdminAccess access, CiAccount account) {
        bootstraps.incrementAndGet();
        return new CiCredentials(Secret.of("token-for-" + access.server().getHost()), FAKE_CA_PEM);
    }
}
