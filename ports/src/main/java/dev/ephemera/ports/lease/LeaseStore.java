package dev.ephemera.ports.lease;

import dev.ephemera.domain.lease.PoolState;
import dev.ephemera.domain.lease.Versioned;
import dev.ephemera.ports.spi.Adapter;
import java.util.List;
import java.util.Optional;

/**
 * Keeps each IP pool's state as one versioned value. The store knows nothing of allocation:
 * it reads, and writes only when the version is unchanged (compare-and-set); the rule lives in
 * {@link PoolState}. Safe for many processes and threads at once.
 */
public interface LeaseStore extends Adapter {
    /** The pool's state and its version, or empty if there is no such pool. */
    Optional<Versioned<PoolState>> read(String pool);

    /**
     * Creates a pool. Returns false, changing nothing, if a pool of that name exists.
     */
    boolean create(PoolState initial);

    /**
     * Writes {@code next} if the stored version is still {@code expectedVersion}; returns false,
     * changing nothing, if it is not (someone else wrote first).
     *
     * @throws dev.ephemera.domain.error.EphemeraException NOT_FOUND if the pool does not exist;
     *         UNAVAILABLE if the outcome is unknown (the caller re-reads before retrying)
     */
    boolean compareAndSet(String pool, long expectedVersion, PoolState next);

    /** Names of every pool, sorted. */
    List<String> pools();

    /** Deletes a pool and its leases; false if there was none. */
    boolean delete(String pool);
}
