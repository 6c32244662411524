package dev.ephemera.ports.state;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.spi.Adapter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Keeps cluster records with optimistic versions, and the credentials issued for each cluster
 * (its PKI bundle, the CI token) so a restarted process can finish what a crashed one began.
 */
public interface ClusterRepository extends Adapter {
    /**
     * Stores a new record (its version must be 0) and returns it with version 1.
     *
     * @throws dev.ephemera.domain.error.EphemeraException CONFLICT if the id exists
     */
    Cluster insert(Cluster cluster);

    /**
     * Saves {@code cluster} if the stored version equals {@code cluster.version()}, and returns it
     * with the next version.
     *
     * @throws dev.ephemera.domain.error.EphemeraException CONFLICT if someone else saved first,
     *         NOT_FOUND if there is no such record
     */
    Cluster update(Cluster cluster);

    Optional<Cluster> find(ClusterId id);

    /** Every record, ordered by id. */
    List<Cluster> list();

    /**
     * How many clusters count against the concurrency limits (every phase but Deleted and
     * Queued), on one backend or on all. Stores should answer from an index, not by reading every
     * record.
     */
    default long countLive(Optional<String> backend) {
        return list().stream().filter(c -> c.phase().countsAgainstLimits())
                .filter(c -> backend.map(b -> b.equals(c.backend())).orElse(true)).count();
    }

    /**
     * Stores a new record (version 0) if, with it, the clusters counting against the limits stay
     * within {@code limits} — counted and inserted atomically, so racing claims (threads or
     * processes) never overshoot the cap. A record in a phase that does not count (Queued) is
     * inserted without looking at the limits.
     *
     * @throws dev.ephemera.domain.error.EphemeraException LIMIT_EXCEEDED if a cap is full (nothing
     *         stored), CONFLICT if the id exists
     */
    Cluster insertWithin(Cluster cluster, Limits limits);

    /**
     * As {@link #update}, and if the record moves into a phase that counts against the limits
     * from one that does not (a Queued claim starting), only if the cap has room for it — counted
     * and saved atomically.
     *
     * @throws dev.ephemera.domain.error.EphemeraException LIMIT_EXCEEDED if a cap is full (nothing
     *         saved), CONFLICT / NOT_FOUND as {@link #update}
     */
    Cluster updateWithin(Cluster cluster, Limits limits);

    /**
     * Takes (or extends) the right to step cluster {@code id} until {@code now + lease}, for
     * {@code holder}: succeeds if nobody holds it, the holder's time ran out (it crashed), or
     * {@code holder} holds it already. One compare-and-set, so two drivers on one store never
     * step one cluster at the same time. Leaves the record and its version alone.
     *
     * @return false if another holder's lease is still running, or there is no such record
     */
    boolean acquireStepLease(ClusterId id, String holder, Instant now, Duration lease);

    /** Gives up the step lease if {@code holder} has it; does nothing otherwise. */
    void releaseStepLease(ClusterId id, String holder);

    /** Removes the record and its credentials; false if there was none. */
    boolean delete(ClusterId id);

    /** Stores (or replaces) one named credential of a cluster. */
    void putCredential(ClusterId id, String name, Secret value);

    Optional<Secret> credential(ClusterId id, String name);

    /** Removes every credential of a cluster. */
    void deleteCredentials(ClusterId id);
}
