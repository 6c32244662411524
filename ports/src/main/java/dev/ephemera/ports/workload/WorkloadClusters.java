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

    /**
     * Issues a fresh CI token: the account's token Secret is deleted (which makes the API server
     * refuse every token minted from it) and made again, and the new token returned once the
     * token controller has filled it. Used when a warm pool member is handed to a claimer, so the
     * pool's earlier credentials stop working.
     *
     * @throws dev.ephemera.domain.error.EphemeraException UNAVAILABLE while the old Secret is still
     *         being deleted (retry), TIMEOUT when the token controller does not fill the new one in time
     */
    default CiCredentials rotateToken(AdminAccess access, CiAccount account) {
        throw new dev.ephemera.domain.error.EphemeraException(dev.ephemera.domain.error.ErrorCode.CONFIGURATION,
                getClass().getSimpleName() + " cannot issue a fresh CI token, so it cannot serve warm pools; use workload: kubernetes");
    }
}
