package dev.ephemera.ports.backend;

import dev.ephemera.domain.cluster.ClusterId;

/**
 * A capability of backends that can stop a cluster's nodes and start them again, keeping its
 * state (warm pool members idle for {@code hibernate-after}). A backend that has it implements
 * this interface besides {@link ClusterBackend}; one that does not cannot hibernate, and a pool
 * asking for it on that backend is refused when the configuration loads.
 */
public interface Hibernation {
    /**
     * Whether hibernation is switched on for this backend now; empty when it is, else why not
     * (e.g. Hetzner, which bills stopped servers, has it off unless configured).
     */
    java.util.Optional<String> hibernationRefusal();

    /** Stops the cluster's nodes. Idempotent: a stopped cluster stays stopped. */
    void hibernate(ClusterId id);

    /**
     * Starts the cluster's nodes again. Idempotent. The API server answers some time later: the
     * caller observes the cluster (its endpoint may have moved) and probes {@code /readyz}.
     */
    void resume(ClusterId id);
}
