package dev.ephemera.application;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.state.ClusterRepository;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Clusters as users see them: claim (idempotent per id), get, list, release (start the grace
 * period), delete, and the kubeconfig. The phase work itself is the {@link Reconciler}'s.
 */
public final class Clusters {
    private final ClusterRepository repository;
    private final Policies policies;
    private final Clock clock;

    @Inject
    public Clusters(ClusterRepository repository, Policies policies, Clock clock) {
        this.repository = repository;
        this.policies = policies;
        this.clock = clock;
    }

    /**
     * Records a claim in phase {@code Requested}, or returns the live cluster of that id. A claim of
     * a cluster in its grace period brings it back to {@code Ready}.
     */
    public Cluster claim(ClaimRequest r) {
        Duration ttl = r.ttl().orElse(policies.maxLifetime());
        if (ttl.compareTo(policies.maxLifetime()) > 0) {
            throw EphemeraException.invalid("ttl " + DurationText.format(ttl) + " is longer than the maximum lifetime of "
                    + DurationText.format(policies.maxLifetime()) + " (policies.max-lifetime)");
        }
        Optional<Cluster> existing = repository.find(r.id());
        if (existing.isPresent()) {
            Cluster c = existing.get();
            if (!c.backend().equals(r.backend())) {
                throw EphemeraException.conflict("cluster " + r.id() + " exists on backend " + c.backend() + ", not " + r.backend());
            }
            switch (c.phase()) {
                case RELEASING:
                    return repository.update(c.moveTo(Phase.READY, clock.instant(), "claimed again within the grace period"));
                case DELETING:
                    throw EphemeraException.conflict("cluster " + r.id() + " is being deleted; finish that with: ephemera cluster delete " + r.id()
                            + " --wait, then create it again");
                case DELETED:
                    repository.delete(c.id());
                    break;
                default:
                    return c;
            }
        }
        long live = repository.countLive(Optional.empty());
        long liveOnBackend = repository.countLive(Optional.of(r.backend()));
        if (live >= policies.maxConcurrent()) {
            throw new EphemeraException(ErrorCode.LIMIT_EXCEEDED, live + " clusters are live, the most allowed (policies.max-concurrent = "
                    + policies.maxConcurrent() + "); delete one or wait for one to expire");
        }
        if (liveOnBackend >= policies.maxConcurrentFor(r.backend())) {
            throw new EphemeraException(ErrorCode.LIMIT_EXCEEDED, liveOnBackend + " clusters are live on " + r.backend()
                    + ", the most allowed there (" + policies.maxConcurrentFor(r.backend()) + ")");
        }
        Cluster c = Cluster.requested(r.id(), r.owner(), r.backend(), r.spec(), clock.instant(), ttl)
                .withSinks(r.pushTo()).withKeepOnFailure(r.keepOnFailure());
        try {
            return repository.insert(c);
        } catch (EphemeraException e) {
            if (e.code() == ErrorCode.CONFLICT) {
                return get(r.id()); // a concurrent claim of the same id won: same cluster
            }
            throw e;
        }
    }

    public Cluster get(ClusterId id) {
        return repository.find(id).orElseThrow(() -> EphemeraException.notFound("cluster '" + id
                + "' does not exist; see the ones that do with: ephemera cluster list"));
    }

    public List<Cluster> list() {
        return repository.list();
    }

    /** The owner let go (PR closed): a ready cluster enters its grace period; one still coming up is deleted. */
    public Cluster release(ClusterId id) {
        Cluster c = get(id);
        return switch (c.phase()) {
            case READY -> repository.update(c.release(clock.instant(), policies.grace(), "released; deleted after "
                    + DurationText.format(policies.grace()) + " unless claimed again"));
            case REQUESTED, PROVISIONING, BOOTSTRAPPING, FAILED -> repository.update(c.moveTo(Phase.DELETING, clock.instant(), "released before ready"));
            default -> c;
        };
    }

    /** Marks the cluster for deletion; the reconciler removes its resources. Idempotent. */
    public Cluster delete(ClusterId id) {
        Cluster c = get(id);
        if (c.phase() == Phase.DELETING || c.phase() == Phase.DELETED) {
            return c;
        }
        return repository.update(c.moveTo(Phase.DELETING, clock.instant(), "deletion requested"));
    }

    /** The CI kubeconfig of a ready cluster. */
    public Secret kubeconfig(ClusterId id) {
        Cluster c = get(id);
        return repository.credential(id, Credentials.KUBECONFIG).orElseThrow(() -> EphemeraException.notFound(
                "cluster " + id + " has no kubeconfig yet (it is " + c.phase().displayName() + "); wait with: ephemera cluster create "
                        + id + " --wait"));
    }
}
