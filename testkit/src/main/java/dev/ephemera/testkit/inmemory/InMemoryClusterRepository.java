package dev.ephemera.testkit.inmemory;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.state.ClusterRepository;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Test double: a {@link ClusterRepository} in maps, with real optimistic versions. Never registered for production use. */
public final class InMemoryClusterRepository implements ClusterRepository {
    private final Map<ClusterId, Cluster> records = new ConcurrentHashMap<>();
    private final Map<ClusterId, Map<String, Secret>> credentials = new ConcurrentHashMap<>();

    @Override
    public Cluster insert(Cluster cluster) {
        if (cluster.version() != 0) {
            throw EphemeraException.invalid("a new record must have version 0, got " + cluster.version());
        }
        Cluster stored = cluster.withVersion(1);
        if (records.putIfAbsent(cluster.id(), stored) != null) {
            throw EphemeraException.conflict("cluster " + cluster.id() + " exists already");
        }
        return stored;
    }

    @Override
    public Cluster update(Cluster cluster) {
        Cluster[] out = new Cluster[1];
        Cluster result = records.compute(cluster.id(), (id, current) -> {
            if (current == null) {
                throw EphemeraException.notFound("cluster " + id + " does not exist");
            }
            if (current.version() != cluster.version()) {
                throw EphemeraException.conflict("cluster " + id + " was changed by someone else (version " + current.version()
                        + ", expected " + cluster.version() + ")");
            }
            out[0] = cluster.withVersion(cluster.version() + 1);
            return out[0];
        });
        return result;
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
        credentials.remove(id);
        return records.remove(id) != null;
    }

    @Override
    public void putCredential(ClusterId id, String name, Secret value) {
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
