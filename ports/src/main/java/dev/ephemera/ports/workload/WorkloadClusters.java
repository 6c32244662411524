package dev.ephemera.ports.workload;

import dev.ephemera.ports.spi.Adapter;

/** What Ephemera does on a new cluster's API: check it is ready, and set up CI's account. */
public interface WorkloadClusters extends Adapter {
    /** One probe of {@code /readyz} with the admin certificate over verified TLS. Never throws on a refused connection. */
    Readiness probe(AdminAccess access);

    /**
     * Makes the CI account idempotently and waits (by watch, bounded) for the token controller to
     * fill its token Secret.
     */
    CiCredentials bootstrap(AdminAccess access, CiAccount account);
}
