package dev.ephemera.cli;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the {@code pool} commands do, wherever it is done: {@link LocalPoolService} on the configured
 * lease store, {@link RemotePoolService} through a server's REST API. Both answer the same rows, so
 * the commands print the same output either way.
 */
interface PoolService {
    /** A pool's definition, as {@code create} and {@code resize} print it. */
    record Definition(String pool, String range, List<String> excluded, int size) {
        public Definition {
            excluded = List.copyOf(excluded);
        }
    }

    /** One lease in force; {@code expiresAt} is empty for a lease without a TTL. */
    record LeaseRow(String holder, String address, String grantedAt, String expiresAt) {
    }

    record Capacity(String pool, int total, int leased, int free) {
    }

    /** The pool a verb works on: {@code given}, else the default one (how it is found depends on where the pools are). */
    String poolName(Optional<String> given);

    Definition create(String name, String rangeOrCidr, List<String> exclude);

    LeaseRow allocate(String pool, String holder, Optional<Duration> ttl);

    /** The address freed, if the holder had one. */
    Optional<String> release(String pool, String holder);

    /** The leases in force, lowest address first. */
    List<LeaseRow> leases(String pool);

    Capacity capacity(String pool);
}
