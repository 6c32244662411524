package dev.ephemera.application;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackends;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.OwnedResource;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.ports.secret.SecretSinks;
import dev.ephemera.ports.state.ClusterRepository;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Ends a cluster record stuck in {@code Deleting} ({@code cluster delete --force}) — but only once
 * its backend confirms that nothing of the cluster is left: {@code observe} finds nothing and no
 * resource it owns (by label) names the cluster. Then the DNS record, the lease, the pushed secrets and the stored
 * credentials go as in a normal deletion, and the record becomes {@code Deleted}. While anything
 * is still there, nothing changes and the error lists what is left.
 */
public final class ForcedDeletion {
    private final ClusterRepository repository;
    private final Provider<ClusterBackends> backends;
    private final Provider<SecretSinks> sinks;
    private final IpPools pools;
    private final Reconciler reconciler;
    private final Clock clock;

    @Inject
    public ForcedDeletion(ClusterRepository repository, Provider<ClusterBackends> backends, Provider<SecretSinks> sinks, IpPools pools,
                          Reconciler reconciler, Clock clock) {
        this.repository = repository;
        this.backends = backends;
        this.sinks = sinks;
        this.pools = pools;
        this.reconciler = reconciler;
        this.clock = clock;
    }

    /** What the backend still holds of the cluster: empty means confirmed gone. */
    public List<String> remaining(Cluster c) {
        ClusterBackend backend = backends.get().named(c.backend());
        List<String> left = new ArrayList<>();
        Observation seen = backend.observe(c.id());
        if (seen.state() != Observation.State.ABSENT) {
            left.add("the cluster itself (" + seen.state().name().toLowerCase(java.util.Locale.ROOT) + ": " + seen.detail() + ")");
        }
        for (OwnedResource r : backend.owned()) {
            if (r.clusterId().equals(Optional.of(c.id().value()))) {
                left.add(r.kind() + " " + r.id() + (r.description().isBlank() ? "" : " (" + r.description() + ")"));
            }
        }
        return left;
    }

    /**
     * Ends the record of a cluster in {@code Deleting} whose backend resources are gone.
     *
     * @throws EphemeraException CONFLICT if the cluster is not being deleted, or if the backend still holds resources of it
     */
    public Cluster end(ClusterId id) {
        Cluster c = repository.find(id).orElseThrow(() -> EphemeraException.notFound("cluster '" + id + "' does not exist"));
        if (c.phase() == Phase.DELETED) {
            return c;
        }
        if (c.phase() != Phase.DELETING) {
            throw EphemeraException.conflict("cluster " + id + " is " + c.phase().displayName() + ", not Deleting: --force only ends a deletion "
                    + "that is stuck; delete it first with: ephemera cluster delete " + id + " --wait");
        }
        List<String> left = remaining(c);
        if (!left.isEmpty()) {
            throw new EphemeraException(ErrorCode.CONFLICT, "cluster " + id + " still has resources on backend " + c.backend() + ": "
                    + String.join("; ", left) + ". Nothing was changed: remove them (or fix what stops their deletion) and run "
                    + "ephemera cluster delete " + id + " --force again");
        }
        reconciler.removeName(c);
        if (c.lease().isPresent()) {
            pools.release(c.lease().get().pool(), c.id().value());
        }
        for (SinkTarget t : reconciler.targets(c)) {
            sinks.get().named(t.sink()).delete(new SecretAddress(t.scope(), t.environment(), t.name()));
        }
        repository.deleteCredentials(c.id());
        return repository.update(c.moveTo(Phase.DELETED, clock.instant(),
                "deletion forced: backend " + c.backend() + " confirmed nothing is left; lease and secrets removed"));
    }
}
