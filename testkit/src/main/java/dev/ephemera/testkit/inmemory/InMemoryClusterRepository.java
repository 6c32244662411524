package dev.ephemera.testkit.inmemory;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.ports.state.Limits;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test double: a {@link ClusterRepository} in maps, with real optimistic versions, atomic caps and
 * step leases (writes take one lock, as SQLite's {@code BEGIN IMMEDIATE} does). Never registered
 * for production use.
 */
public final class InMemoryClusterRepository implements ClusterRepository {
    private final Map<ClusterId, Cluster> records = new ConcurrentHashMap<>();
    private final Map<ClusterId, Map<String, Secret>> credentials = new ConcurrentHashMap<>();
    private final Map<ClusterId, StepLease> stepLeases = new ConcurrentHashMap<>();
    private final Object writes = new Object();

    private record StepLease(String holder, Instant until) {
    }

    @Override
    public Cluster insert(Cluster cluster) {
        if (cluster.version() != 0) {
            throw EphemeraException.invalid("a new record must have version 0, got " + cluster.version());
        }
        synchronized (writes) {
            Cluster stored = cluster.withVersion(1);
            if (records.putIfAbsent(cluster.id(), stored) != null) {
                throw EphemeraException.conflict("cluster " + cluster.id() + " exists already");
            }
            return stored;
        }
    }

    @Override
    public Cluster insertWithin(Cluster cluster, Limits limits) {
        synchronized (writes) {
            if (cluster.phase().countsAgainstLimits() && !records.containsKey(cluster.id())) {
                requireRoom(cluster, limits);
            }
            return insert(cluster);
        }
    }

    @Override
    public Cluster update(Cluster cluster) {
        synchronized (writes) {
            Cluster current = records.get(cluster.id());
            if (current == null) {
                throw EphemeraException.notFound("cluster " + cluster.id() + " does not exist");
            }
            if (current.version() != cluster.version()) {
                throw EphemeraException.conflict("cluster " + cluster.id() + " was changed by someone else (version " + current.version()
                        + ", expected " + cluster.version() + ")");
            }
            Cluster stored = cluster.withVersion(cluster.version() + 1);
            records.put(cluster.id(), stored);
            return stored;
        }
    }

    @Override
    public Cluster updateWithin(Cluster cluster, Limits limits) {
        synchronized (writes) {
            Cluster current = records.get(cluster.id());
            if (current != null && current.version() == cluster.version() && cluster.phase().countsAgainstLimits()
                    && !current.phase().countsAgainstLimits()) {
                requireRoom(cluster, limits);
            }
            return update(cluster);
        }
    }

    private void requireRoom(Cluster cluster, Limits limits) {
        long global = countLive(Optional.empty());
        long onBackend = countLive(Optional.of(cluster.backend()));
        if (global >= limits.global()) {
            throw new EphemeraException(ErrorCode.LIMIT_EXCEEDED, global + " clusters are live, the most allowed (policies.max-concurrent = "
                    + limits.global() + "); delete one, wait for one to expire, or claim with queue: true");
        }
        if (onBackend >= limits.onBackend()) {
            throw new EphemeraException(ErrorCode.LIMIT_EXCEEDED, onBackend + " clusters are live on " + cluster.backend()
                    + ", the most allowed there (" + limits.onBackend() + "); delete one, wait for one to expire, or claim with queue: true");
        }
    }

    @Override
    public boolean acquireStepLease(ClusterId id, String holder, Instant now, Duration lease) {
        synchronized (writes) {
            if (!records.containsKey(id)) {
                return false;
            }
            StepLease current = stepLeases.get(id);
            if (current != null && !current.holder().equals(holder) && now.isBefore(current.until())) {
                return false;
            }
            stepLeases.put(id, new StepLease(holder, now.plus(lease)));
            return true;
        }
    }

    @Override
    public void releaseStepLease(ClusterId id, String holder) {
        synchronized (writes) {
            StepLease current = stepLeases.get(id);
            if (current != null && current.holder().equals(holder)) {
                stepLeases.remove(id);
            }
        }
    }

    @Override
    public Optional<Cluster> find(ClusterId id) {
        return Optional.ofNullable(records.get(id));
    }

    @Override
    public List<Cluster> list() {
        return records.values().stream().sorted((a, b) -> a.id().compareTo(b.id())).toList();
    }

    @Override
    public boolean delete(ClusterId id) {
        synchronized (writes) {
            credentials.remove(id);
            stepLeases.remove(id);
            return records.remove(id) != null;
        }
    }

    @Override
    public void putCredential(ClusterId id, String name, Secret value) {
        if (!records.containsKey(id)) {
            throw EphemeraException.notFound("cluster " + id + " does not exist, so it cannot hold credential " + name);
        }
        credentials.computeIfAbsent(id, k -> new ConcurrentHashMap<>()).put(name, value);
    }

    @Override
    public Optional<Secret> credential(ClusterId id, String name) {
        return Optional.ofNullable(credentials.getOrDefault(id, Map.of()).get(name));
    }

    @Override
    public void deleteCredentials(ClusterId id) {
        credentials.remove(id);
    }
}
