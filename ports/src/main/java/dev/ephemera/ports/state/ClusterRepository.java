package dev.ephemera.ports.state;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.spi.Adapter;
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
     * How many clusters are live (not Deleted), on one backend or on all: what the concurrency
     * limits count at each claim. Stores should answer from an index, not by reading every record.
     */
    default long countLive(Optional<String> backend) {
        return list().stream().filter(c -> c.phase().isLive())
                .filter(c -> backend.map(b -> b.equals(c.backend())).orElse(true)).count();
    }

    /** Removes the record and its credentials; false if there was none. */
    boolean delete(ClusterId id);

    /** Stores (or replaces) one named credential of a cluster. */
    void putCredential(ClusterId id, String name, Secret value);

    Optional<Secret> credential(ClusterId id, String name);

    /** Removes every credential of a cluster. */
    void deleteCredentials(ClusterId id);
}
