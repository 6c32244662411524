package dev.ephemera.application;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.lease.Lease;
import dev.ephemera.domain.lease.PoolDefinition;
import dev.ephemera.domain.lease.PoolState;
import dev.ephemera.domain.lease.Versioned;
import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.retry.RetryPolicy;
import dev.ephemera.retry.Sleeper;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IP pools: create, allocate, release, list, capacity (the verbs of seed 003's
 * {@code ip_pool_manager.sh}). Every change is read → domain rule → compare-and-set, retried with
 * bounded jittered backoff when another writer got there first.
 */
public final class IpPools {
    private static final Logger LOG = LoggerFactory.getLogger(IpPools.class);
    /** Enough for 20+ processes contending on one pool; each retry re-reads. */
    static final int MAX_ATTEMPTS = 200;
    private static final RetryPolicy CAS_BACKOFF = new RetryPolicy(MAX_ATTEMPTS, Duration.ofMillis(1), Duration.ofMillis(100), Duration.ZERO);

    private final LeaseStore store;
    private final Clock clock;
    /**
     * Writers of one pool in this process take turns, so they never lose a compare-and-set to each
     * other; compare-and-set still guards against other processes.
     */
    private final ConcurrentHashMap<String, ReentrantLock> poolLocks = new ConcurrentHashMap<>();

    @Inject
    public IpPools(LeaseStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Creates a pool. Creating one that exists with the same range and exclusions is a no-op;
     * with a different definition it is a CONFLICT.
     */
    public PoolState create(String name, String rangeOrCidr, List<String> exclusions) {
        PoolDefinition def = PoolDefinition.parse(name, rangeOrCidr, exclusions);
        PoolState initial = PoolState.empty(def);
        if (store.create(initial)) {
            LOG.info("pool created pool={} range={} size={}", name, def.first() + "-" + def.last(), def.size());
            return initial;
        }
        PoolState existing = read(name).value();
        PoolDefinition ex = existing.definition();
        if (ex.first().equals(def.first()) && ex.last().equals(def.last()) && ex.exclusions().equals(def.exclusions())) {
            return existing;
        }
        throw EphemeraException.conflict("pool '" + name + "' already exists with range " + ex.first() + "-" + ex.last()
                + (ex.exclusions().isEmpty() ? "" : " excluding " + ex.exclusionsAsText()) + "; delete it first or choose another name");
    }

    /** The holder's address: its existing lease, or the lowest free one. */
    public Lease allocate(String pool, String holder, Optional<Duration> ttl) {
        return change(pool, s -> {
            PoolState.Allocation a = s.allocate(holder, clock.instant(), ttl);
            return new Change<>(a.next(), a.changed(), a.lease());
        });
    }

    /** Frees the holder's address; returns the lease that was freed, if any. Idempotent. */
    public Optional<Lease> release(String pool, String holder) {
        return change(pool, s -> {
            PoolState.Release r = s.release(holder);
            return new Change<>(r.next(), r.changed(), r.released());
        });
    }

    public List<Lease> list(String pool) {
        return read(pool).value().activeLeases(clock.instant());
    }

    public PoolState.Capacity capacity(String pool) {
        return read(pool).value().capacity(clock.instant());
    }

    public PoolState state(String pool) {
        return read(pool).value();
    }

    public List<String> pools() {
        return store.pools();
    }

    /**
     * Deletes a pool. Refused (CONFLICT) while leases are in force unless {@code force}; deleting a
     * pool that does not exist returns false and is not an error.
     */
    public boolean delete(String pool, boolean force) {
        PoolDefinition.requireValidName(pool);
        Optional<Versioned<PoolState>> current = store.read(pool);
        if (current.isEmpty()) {
            return false;
        }
        List<Lease> held = current.get().value().activeLeases(clock.instant());
        if (!held.isEmpty() && !force) {
            throw EphemeraException.conflict("pool '" + pool + "' has " + held.size() + " lease(s) in force ("
                    + String.join(", ", held.stream().limit(5).map(l -> l.address() + " held by " + l.holder()).toList())
                    + (held.size() > 5 ? ", …" : "") + "); release them with: ephemera pool release HOLDER --pool " + pool
                    + ", or delete anyway with: ephemera pool delete " + pool + " --force");
        }
        LOG.info("pool deleted pool={} leasesInForce={} forced={}", pool, held.size(), force);
        return store.delete(pool);
    }

    /**
     * Gives a pool a new range (or CIDR block) and exclusions, keeping every lease. Refused
     * (CONFLICT) when a lease in force would fall outside; resizing to the current definition
     * changes nothing.
     */
    public PoolState resize(String pool, String rangeOrCidr, List<String> exclusions) {
        PoolDefinition next = PoolDefinition.parse(pool, rangeOrCidr, exclusions);
        return change(pool, s -> {
            PoolDefinition cur = s.definition();
            boolean same = cur.first().equals(next.first()) && cur.last().equals(next.last()) && cur.exclusions().equals(next.exclusions());
            PoolState resized = same ? s : s.resizedTo(next, clock.instant());
            return new Change<>(resized, !same, resized);
        });
    }

    private Versioned<PoolState> read(String pool) {
        PoolDefinition.requireValidName(pool);
        return store.read(pool).orElseThrow(() -> EphemeraException.notFound("pool '" + pool
                + "' does not exist; create it with: ephemera pool create " + pool + " --range FIRST-LAST"));
    }

    private record Change<R>(PoolState next, boolean changed, R result) {
    }

    private <R> R change(String pool, Function<PoolState, Change<R>> rule) {
        ReentrantLock lock = poolLocks.computeIfAbsent(pool, p -> new ReentrantLock(true));
        lock.lock();
        try {
            return changeLocked(pool, rule);
        } finally {
            lock.unlock();
        }
    }

    private <R> R changeLocked(String pool, Function<PoolState, Change<R>> rule) {
        EphemeraException lastUnavailable = null;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Versioned<PoolState> current;
            try {
                current = read(pool);
            } catch (EphemeraException e) {
                if (e.code() != ErrorCode.UNAVAILABLE) {
                    throw e;
                }
                lastUnavailable = e;
                if (!pause(attempt)) {
                    throw new EphemeraException(ErrorCode.UNAVAILABLE, "interrupted while updating pool '" + pool + "'", e);
                }
                continue;
            }
            // The rule is applied to what is stored now: after a write whose outcome was unknown,
            // an allocation finds the holder's lease already there and changes nothing.
            Change<R> c = rule.apply(current.value());
            if (!c.changed()) {
                return c.result();
            }
            try {
                if (store.compareAndSet(pool, current.version(), c.next())) {
                    return c.result();
                }
            } catch (EphemeraException e) {
                if (e.code() != ErrorCode.UNAVAILABLE) {
                    throw e;
                }
                lastUnavailable = e;
            }
            if (!pause(attempt)) {
                throw new EphemeraException(ErrorCode.UNAVAILABLE, "interrupted while updating pool '" + pool + "'");
            }
        }
        throw new EphemeraException(ErrorCode.UNAVAILABLE, "pool '" + pool + "' is too contended: " + MAX_ATTEMPTS
                + " attempts lost the compare-and-set; try again", lastUnavailable);
    }

    /** Waits the shared policy's jittered backoff after attempt {@code attempt}; false when interrupted. */
    private static boolean pause(int attempt) {
        try {
            Sleeper.SYSTEM.sleep(CAS_BACKOFF.backoff(attempt));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
