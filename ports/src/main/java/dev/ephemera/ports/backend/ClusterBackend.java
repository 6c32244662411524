package dev.ephemera.ports.backend;

import dev.ephemera.domain.cluster.BackendRef;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.ports.spi.Adapter;
import dev.ephemera.ports.workload.AdminAccess;
import java.util.List;
import java.util.Optional;

/**
 * Creates, observes and destroys clusters on one kind of infrastructure. Every call is
 * idempotent by cluster id: {@link #ensure} first looks for what it made before (by name or
 * label), so a retried or repeated create never makes a second server.
 */
public interface ClusterBackend extends Adapter {
    BackendTraits traits();

    /** Starts creating the cluster if nothing of it exists yet; returns the backend's reference. */
    BackendRef ensure(ProvisionRequest request);

    /** What exists of the cluster now. */
    Observation observe(ClusterId id);

    /** Deletes every resource of the cluster; deleting what is gone is not an error. */
    void destroy(ClusterId id);

    /** Everything this installation owns on the backend, found by label. */
    List<OwnedResource> owned();

    /** Admin access for backends that make their own credentials ({@code usesEphemeraPki = false}). */
    default Optional<AdminAccess> ownAdminAccess(ClusterId id) {
        return Optional.empty();
    }
}
