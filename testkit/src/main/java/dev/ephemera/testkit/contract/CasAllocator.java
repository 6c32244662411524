package dev.ephemera.testkit.contract;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.lease.Lease;
import dev.ephemera.domain.lease.PoolState;
import dev.ephemera.domain.lease.Versioned;
import dev.ephemera.ports.lease.LeaseStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * Allocates and releases through any {@link LeaseStore} the way a real caller must: read, apply
 * the domain rule, compare-and-set, and on a lost race read again. The contract kits use it to
 * drive stores under contention; benchmarks use it as the allocator under test.
 *
 * <p>Retries are bounded and spaced by full-jitter exponential backoff, so racing callers spread
 * out instead of colliding again in lock step. An {@code UNAVAILABLE} from the store means the
 * write may or may not have landed; because allocation is idempotent per holder, the holder's
 * lease in a fresh read is then the answer.
 */
public final class CasAllocator {
    private final LeaseStore store;
    private final Clock clock;
    private final int maxAttempts;
    private final Duration baseBackoff;
    private final Duration maxBackoff;

    public CasAllocator(LeaseStore store) {
        this(store, Clock.systemUTC(), 200, Duration.ofMillis(1), Duration.ofMillis(50));
    }

    public CasAllocator(LeaseStore store, Clock clock, int maxAttempts, Duration baseBackoff, Duration maxBackoff) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        this.store = store;
        this.clock = clock;
        this.maxAttempts = maxAttempts;
        this.baseBackoff = baseBackoff;
        this.maxBackoff = maxBackoff;
    }

    /**
     * Gives {@code holder} an address in {@code pool}.
     *
     * @throws dev.ephemera.domain.error.PoolExhaustedException when no address is free
     * @throws EphemeraException NOT_FOUND if the pool does not exist; UNAVAILABLE when every
     *         attempt lost a race or the store stayed unavailable
     */
    public Lease allocate(String pool, String holder, Optional<Duration> ttl) {
        EphemeraException lastUnavailable = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            Versioned<PoolState> current = readOrThrow(pool);
            PoolState.Allocation allocation = current.value().allocate(holder, clock.instant(), ttl);
            if (!allocation.changed()) {
                return allocation.lease();
            }
            try {
                if (store.compareAndSet(pool, current.version(), allocation.next())) {
                    return allocation.lease();
                }
            } catch (EphemeraException e) {
                if (e.code() != ErrorCode.UNAVAILABLE) {
                    throw e;
                }
                lastUnavailable = e;
                // The write may have landed: a re-read settles it, since the holder keeps its address.
                Optional<Lease> landed = rereadQuietly(pool).flatMap(s -> s.leaseOf(holder))
                        .filter(l -> l.address().equals(allocation.lease().address()) && !l.isExpiredAt(clock.instant()));
                if (landed.isPresent()) {
                    return landed.get();
                }
            }
            backoff(attempt);
        }
        throw EphemeraException.unavailable("could not allocate an address in pool '" + pool + "' for " + holder + " after "
                + maxAttempts + " attempts: the pool is under heavy contention or its store is unavailable; try again", lastUnavailable);
    }

    /** Frees {@code holder}'s address; returns the lease it held, or empty if it held none. */
    public Optional<Lease> release(String pool, String holder) {
        EphemeraException lastUnavailable = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            Versioned<PoolState> current = readOrThrow(pool);
            PoolState.Release release = current.value().release(holder);
            if (!release.changed()) {
                return Optional.empty();
            }
            try {
                if (store.compareAndSet(pool, current.version(), release.next())) {
                    return release.released();
                }
            } catch (EphemeraException e) {
                if (e.code() != ErrorCode.UNAVAILABLE) {
                    throw e;
                }
                lastUnavailable = e;
                if (rereadQuietly(pool).map(s -> s.leaseOf(holder).isEmpty()).orElse(false)) {
                    return release.released();
                }
            }
            backoff(attempt);
        }
        throw EphemeraException.unavailable("could not release " + holder + " in pool '" + pool + "' after " + maxAttempts
                + " attempts: the pool is under heavy contention or its store is unavailable; try again", lastUnavailable);
    }

    private Versioned<PoolState> readOrThrow(String pool) {
        return store.read(pool).orElseThrow(() -> EphemeraException.notFound("pool '" + pool + "' does not exist"));
    }

    /** A read after an unknown outcome; empty if the store is still unavailable (the loop retries). */
    private Optional<PoolState> rereadQuietly(String pool) {
        try {
            return Optional.of(readOrThrow(pool).value());
        } catch (EphemeraException e) {
            if (e.code() == ErrorCode.UNAVAILABLE) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private void backoff(int attempt) {
        long cap = Math.min(maxBackoff.toNanos(), baseBackoff.toNanos() << Math.min(attempt - 1, 20));
        long nanos = ThreadLocalRandom.current().nextLong(Math.max(1, cap) + 1);
        LockSupport.parkNanos(nanos);
        if (Thread.currentThread().isInterrupted()) {
            throw EphemeraException.unavailable("interrupted while waiting to retry an allocation", null);
        }
    }
}
