package dev.ephemera.testkit.inmemory;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.lease.PoolState;
import dev.ephemera.domain.lease.Versioned;
import dev.ephemera.ports.lease.LeaseStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Test double: a {@link LeaseStore} in a map, with real compare-and-set. Never registered for production use. */
public final class InMemoryLeaseStore implements LeaseStore {
    private final Map<String, Versioned<PoolState>> pools = new ConcurrentHashMap<>();

    @Override
    public Optional<Versioned<PoolState>> read(String pool) {
        return Optional.ofNullable(pools.get(pool));
    }

    @Override
    public boolean create(PoolState initial) {
        return pools.putIfAbsent(initial.name(), new Versioned<>(initial, 1)) == null;
    }

    @Override
    public boolean compareAndSet(String pool, long expectedVersion, PoolState next) {
        Versioned<PoolState> current = pools.get(pool);
        if (current == null) {
            throw EphemeraException.notFound("pool '" + pool + "' does not exist");
        }
        return current.version() == expectedVersion
                && pools.replace(pool, current, new Versioned<>(next, expectedVersion + 1));
    }

    @Override
    public List<String> pools() {
        return pools.keySet().stream().sorted().toList();
    }

    @Override
    public boolean delete(String pool) {
        return pools.remove(pool) != null;
    }
}
