package dev.ephemera.application;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.domain.warmpool.PoolMembership;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.ports.state.Limits;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
    private final ClusterEvents events;

    @Inject
    public Clusters(ClusterRepository repository, Policies policies, Clock clock, ClusterEvents events) {
        this.repository = repository;
        this.policies = policies;
        this.clock = clock;
        this.events = events;
    }

    /** Clusters whose phase changes nobody in this process listens to (the CLI, benchmarks). */
    public Clusters(ClusterRepository repository, Policies policies, Clock clock) {
        this(repository, policies, clock, new ClusterEvents());
    }

    /** As {@link #submit}, for callers that do not care whether the claim was new. */
    public Cluster claim(ClaimRequest r) {
        return submit(r).cluster();
    }

    /**
     * Records a claim in phase {@code Requested} — or {@code Queued} when a concurrency cap is full
     * and the request says {@code queue} — or returns the live cluster of that id ({@code created}
     * false). A claim of a cluster in its grace period brings it back to {@code Ready}; any claim
     * of an existing cluster renews its heartbeat.
     *
     * @throws EphemeraException INVALID for a ttl beyond the maximum lifetime, CONFLICT for an id
     *         claimed on another backend or being deleted, LIMIT_EXCEEDED when a cap is full and
     *         the request does not queue
     */
    public ClaimOutcome submit(ClaimRequest r) {
        Duration ttl = r.ttl().orElse(policies.maxLifetime());
        if (ttl.compareTo(policies.maxLifetime()) > 0) {
            throw EphemeraException.invalid("ttl " + DurationText.format(ttl) + " is longer than the maximum lifetime of "
                    + DurationText.format(policies.maxLifetime()) + " (policies.max-lifetime)");
        }
        if (r.heartbeat().isPresent() && r.heartbeat().get().compareTo(Cluster.MIN_HEARTBEAT) < 0) {
            throw EphemeraException.invalid("heartbeat " + DurationText.format(r.heartbeat().get()) + " is too short: use at least "
                    + DurationText.format(Cluster.MIN_HEARTBEAT));
        }
        Optional<Cluster> existing = repository.find(r.id());
        if (existing.isPresent()) {
            Cluster c = existing.get();
            if (!c.backend().equals(r.backend())) {
                throw EphemeraException.conflict("cluster " + r.id() + " exists on backend " + c.backend() + ", not " + r.backend());
            }
            switch (c.phase()) {
                case DELETING:
                    throw EphemeraException.conflict("cluster " + r.id() + " is being deleted; finish that with: ephemera cluster delete " + r.id()
                            + " --wait, then create it again");
                case DELETED:
                    repository.delete(c.id());
                    break;
                case RELEASING:
                    return new ClaimOutcome(saved(repository.update(c.renew(clock.instant()))), false);
                case FAILED:
                    return new ClaimOutcome(c, false);
                default:
                    return new ClaimOutcome(c.heartbeat().isPresent() ? saved(repository.update(c.renew(clock.instant()))) : c, false);
            }
        }
        Instant now = clock.instant();
        Cluster c = Cluster.requested(r.id(), r.owner(), r.backend(), r.spec(), now, ttl)
                .withSinks(r.pushTo()).withKeepOnFailure(r.keepOnFailure()).withHeartbeat(r.heartbeat(), now);
        try {
            try {
                return new ClaimOutcome(saved(repository.insertWithin(c, Limits.of(policies, r.backend()))), true);
            } catch (EphemeraException e) {
                if (e.code() != ErrorCode.LIMIT_EXCEEDED || !r.queue()) {
                    throw e;
                }
                return new ClaimOutcome(saved(repository.insert(c.moveTo(Phase.QUEUED, now, "queued: " + e.getMessage()))), true);
            }
        } catch (EphemeraException e) {
            if (e.code() == ErrorCode.CONFLICT) {
                return new ClaimOutcome(get(r.id()), false); // a concurrent claim of the same id won: same cluster
            }
            throw e;
        }
    }

    /**
     * A heartbeat from the holder: restarts the heartbeat period of a cluster that has one (and is
     * harmless for one that does not). A cluster already released by a missed heartbeat, but still
     * in its grace period, returns to {@code Ready}.
     *
     * @throws EphemeraException NOT_FOUND for an unknown id, CONFLICT once deletion has begun
     */
    public Cluster renew(ClusterId id) {
        return changing(id, c -> saved(repository.update(c.renew(clock.instant()))));
    }

    /**
     * The cluster of that id, or the warm pool member a claim of that id took (the claim's id is an
     * alias of the member, docs/warm-pools.md).
     */
    public Cluster get(ClusterId id) {
        return repository.find(id).or(() -> aliased(id)).orElseThrow(() -> EphemeraException.notFound("cluster '" + id
                + "' does not exist; see the ones that do with: ephemera cluster list"));
    }

    public List<Cluster> list() {
        return repository.list();
    }

    /**
     * The owner let go (PR closed): a ready cluster enters its grace period; one still queued or
     * coming up is deleted.
     */
    public Cluster release(ClusterId id) {
        return changing(id, c -> switch (c.phase()) {
            case READY -> saved(repository.update(c.release(clock.instant(), policies.grace(), "released; deleted after "
                    + DurationText.format(policies.grace()) + " unless claimed again")));
            case REQUESTED, QUEUED, PROVISIONING, BOOTSTRAPPING, FAILED -> saved(repository.update(c.moveTo(Phase.DELETING, clock.instant(), "released before ready")));
            default -> c;
        });
    }

    /** Marks the cluster for deletion; the reconciler removes its resources. Idempotent. */
    public Cluster delete(ClusterId id) {
        return changing(id, c -> c.phase() == Phase.DELETING || c.phase() == Phase.DELETED ? c
                : saved(repository.update(c.moveTo(Phase.DELETING, clock.instant(), "deletion requested"))));
    }

    /**
     * Reads the cluster and applies a user's change to it. The driver may save a step between the
     * read and the write; the change is then made again on the fresh record, a few times at most,
     * so a release or delete is not refused just because the cluster moved on meanwhile.
     */
    private Cluster changing(ClusterId id, java.util.function.Function<Cluster, Cluster> change) {
        for (int attempt = 1; ; attempt++) {
            Cluster c = get(id);
            try {
                return change.apply(c);
            } catch (EphemeraException e) {
                boolean movedOn = e.code() == ErrorCode.CONFLICT && repository.find(id).map(x -> x.version() != c.version()).orElse(false);
                if (!movedOn || attempt >= 5) {
                    throw e;
                }
            }
        }
    }

    /** The CI kubeconfig of a ready cluster. */
    public Secret kubeconfig(ClusterId id) {
        Cluster c = get(id);
        return repository.credential(c.id(), Credentials.KUBECONFIG).orElseThrow(() -> EphemeraException.notFound(
                "cluster " + id + " has no kubeconfig yet (it is " + c.phase().displayName() + "); wait with: ephemera cluster create "
                        + id + " --wait"));
    }

    /** The live warm pool member a claim of {@code alias} took; looked for only when no record has that id (a full read). */
    private Optional<Cluster> aliased(ClusterId alias) {
        return repository.list().stream().filter(c -> PoolMembership.isAliasOf(c, alias)).findFirst();
    }

    private Cluster saved(Cluster c) {
        events.saw(c);
        return c;
    }
}
