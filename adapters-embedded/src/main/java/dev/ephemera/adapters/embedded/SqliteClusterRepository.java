package dev.ephemera.adapters.embedded;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.spi.Health;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.ports.state.Limits;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Cluster records and their credentials in SQLite. A record is one row: its JSON (see
 * {@link ClusterJson}) plus the id, phase and version as columns, so lookups and
 * compare-and-set never parse JSON. Credentials live in their own table keyed by cluster and name.
 */
public final class SqliteClusterRepository implements ClusterRepository {
    private static final int MAX_CREDENTIAL_NAME = 253;

    private final SqliteDatabase db;

    SqliteClusterRepository(SqliteDatabase db) {
        this.db = db;
    }

    /** Opens the repository on {@code settings.path()}, creating and migrating the file if needed. */
    public static SqliteClusterRepository open(SqliteSettings settings) {
        return new SqliteClusterRepository(SqliteDatabase.open(settings));
    }

    @Override
    public Cluster insert(Cluster cluster) {
        Cluster stored = newRecord(cluster);
        String json = ClusterJson.write(stored);
        return db.write("insert cluster " + cluster.id(), c -> insert(c, stored, json));
    }

    @Override
    public Cluster insertWithin(Cluster cluster, Limits limits) {
        Cluster stored = newRecord(cluster);
        String json = ClusterJson.write(stored);
        // One BEGIN IMMEDIATE transaction: the count and the insert see the same database, and no
        // other writer (thread or process) can slip a claim in between.
        return db.write("insert cluster " + cluster.id() + " within the limits", c -> {
            if (cluster.phase().countsAgainstLimits() && version(c, cluster.id()).isEmpty()) {
                requireRoom(c, cluster, limits);
            }
            return insert(c, stored, json);
        });
    }

    @Override
    public Cluster update(Cluster cluster) {
        Cluster stored = cluster.withVersion(cluster.version() + 1);
        String json = ClusterJson.write(stored);
        return db.write("update cluster " + cluster.id(), c -> update(c, cluster, stored, json));
    }

    @Override
    public Cluster updateWithin(Cluster cluster, Limits limits) {
        Cluster stored = cluster.withVersion(cluster.version() + 1);
        String json = ClusterJson.write(stored);
        return db.write("update cluster " + cluster.id() + " within the limits", c -> {
            if (cluster.phase().countsAgainstLimits()) {
                Optional<String> phase = storedPhase(c, cluster.id(), cluster.version());
                if (phase.isPresent() && !Phase.valueOf(phase.get()).countsAgainstLimits()) {
                    requireRoom(c, cluster, limits);
                }
            }
            return update(c, cluster, stored, json);
        });
    }

    @Override
    public boolean acquireStepLease(ClusterId id, String holder, Instant now, Duration lease) {
        if (holder == null || holder.isBlank()) {
            throw EphemeraException.invalid("a step lease needs a holder name");
        }
        long until = now.plus(lease).toEpochMilli();
        return db.write("take the step lease of cluster " + id, c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE clusters SET driver = ?, driver_until = ? WHERE id = ?"
                    + " AND (driver IS NULL OR driver = ? OR driver_until <= ?)")) {
                s.setString(1, holder);
                s.setLong(2, until);
                s.setString(3, id.value());
                s.setString(4, holder);
                s.setLong(5, now.toEpochMilli());
                return s.executeUpdate() == 1;
            }
        });
    }

    @Override
    public void releaseStepLease(ClusterId id, String holder) {
        db.write("give up the step lease of cluster " + id, c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE clusters SET driver = NULL, driver_until = NULL WHERE id = ? AND driver = ?")) {
                s.setString(1, id.value());
                s.setString(2, holder);
                s.executeUpdate();
            }
            return null;
        });
    }

    private static Cluster newRecord(Cluster cluster) {
        if (cluster.version() != 0) {
            throw EphemeraException.invalid("cluster " + cluster.id() + " has version " + cluster.version()
                    + ", so it was stored before; insert takes new records (version 0), update takes stored ones");
        }
        return cluster.withVersion(1);
    }

    private static Cluster insert(Connection c, Cluster stored, String json) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO clusters(id, phase, version, record, updated_at)"
                + " VALUES (?, ?, 1, ?, ?) ON CONFLICT(id) DO NOTHING")) {
            s.setString(1, stored.id().value());
            s.setString(2, stored.phase().name());
            s.setString(3, json);
            s.setString(4, Instant.now().toString());
            if (s.executeUpdate() == 0) {
                throw EphemeraException.conflict("cluster " + stored.id() + " exists already; choose another id or claim the existing one");
            }
        }
        return stored;
    }

    private static Cluster update(Connection c, Cluster cluster, Cluster stored, String json) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE clusters SET phase = ?, version = ?, record = ?, updated_at = ? WHERE id = ? AND version = ?")) {
            s.setString(1, cluster.phase().name());
            s.setLong(2, stored.version());
            s.setString(3, json);
            s.setString(4, Instant.now().toString());
            s.setString(5, cluster.id().value());
            s.setLong(6, cluster.version());
            if (s.executeUpdate() == 1) {
                return stored;
            }
        }
        Optional<Long> current = version(c, cluster.id());
        if (current.isEmpty()) {
            throw EphemeraException.notFound("cluster " + cluster.id() + " does not exist");
        }
        throw EphemeraException.conflict("cluster " + cluster.id() + " was changed by someone else (stored version "
                + current.get() + ", this change was based on " + cluster.version() + "); read it again and retry");
    }

    /** The stored phase of the record, if it is still at {@code version}. */
    private static Optional<String> storedPhase(Connection c, ClusterId id, long version) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT phase FROM clusters WHERE id = ? AND version = ?")) {
            s.setString(1, id.value());
            s.setLong(2, version);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private static void requireRoom(Connection c, Cluster cluster, Limits limits) throws SQLException {
        long global = count(c, Optional.empty());
        if (global >= limits.global()) {
            throw new EphemeraException(ErrorCode.LIMIT_EXCEEDED, global + " clusters are live, the most allowed (policies.max-concurrent = "
                    + limits.global() + "); delete one, wait for one to expire, or claim with queue: true");
        }
        long onBackend = count(c, Optional.of(cluster.backend()));
        if (onBackend >= limits.onBackend()) {
            throw new EphemeraException(ErrorCode.LIMIT_EXCEEDED, onBackend + " clusters are live on " + cluster.backend()
                    + ", the most allowed there (" + limits.onBackend() + "); delete one, wait for one to expire, or claim with queue: true");
        }
    }

    @Override
    public Optional<Cluster> find(ClusterId id) {
        return db.read("read cluster " + id, c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT record, version FROM clusters WHERE id = ?")) {
                s.setString(1, id.value());
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() ? Optional.of(decode(id.value(), rs.getString(1), rs.getLong(2))) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<Cluster> list() {
        return db.read("list clusters", c -> {
            List<Cluster> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT id, record, version FROM clusters ORDER BY id");
                 ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(decode(rs.getString(1), rs.getString(2), rs.getLong(3)));
                }
            }
            return List.copyOf(out);
        });
    }

    @Override
    public long countLive(Optional<String> backend) {
        return db.read("count live clusters", c -> count(c, backend));
    }

    /** Clusters counting against the limits; the phase column is indexed, the backend read from live records only. */
    private static long count(Connection c, Optional<String> backend) throws SQLException {
        String sql = "SELECT COUNT(*) FROM clusters WHERE phase NOT IN ('DELETED', 'QUEUED')"
                + (backend.isPresent() ? " AND json_extract(record, '$.backend') = ?" : "");
        try (PreparedStatement s = c.prepareStatement(sql)) {
            if (backend.isPresent()) {
                s.setString(1, backend.get());
            }
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        }
    }

    @Override
    public boolean delete(ClusterId id) {
        return db.write("delete cluster " + id, c -> {
            deleteCredentials(c, id);
            try (PreparedStatement s = c.prepareStatement("DELETE FROM clusters WHERE id = ?")) {
                s.setString(1, id.value());
                return s.executeUpdate() == 1;
            }
        });
    }

    @Override
    public void putCredential(ClusterId id, String name, Secret value) {
        requireCredentialName(name);
        if (value == null) {
            throw EphemeraException.invalid("credential " + name + " of cluster " + id + " needs a value");
        }
        byte[] bytes = value.revealBytes();
        db.write("store credential " + name + " of cluster " + id, c -> {
            if (version(c, id).isEmpty()) {
                throw EphemeraException.notFound("cluster " + id + " does not exist, so it cannot hold credential " + name);
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO credentials(cluster_id, name, value) VALUES (?, ?, ?)"
                    + " ON CONFLICT(cluster_id, name) DO UPDATE SET value = excluded.value")) {
                s.setString(1, id.value());
                s.setString(2, name);
                s.setBytes(3, bytes);
                s.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<Secret> credential(ClusterId id, String name) {
        requireCredentialName(name);
        return db.read("read credential " + name + " of cluster " + id, c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT value FROM credentials WHERE cluster_id = ? AND name = ?")) {
                s.setString(1, id.value());
                s.setString(2, name);
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() ? Optional.of(Secret.ofBytes(rs.getBytes(1))) : Optional.empty();
                }
            }
        });
    }

    @Override
    public void deleteCredentials(ClusterId id) {
        db.write("delete credentials of cluster " + id, c -> {
            deleteCredentials(c, id);
            return null;
        });
    }

    @Override
    public Health health() {
        return db.health();
    }

    @Override
    public void close() {
        db.close();
    }

    private static void deleteCredentials(Connection c, ClusterId id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM credentials WHERE cluster_id = ?")) {
            s.setString(1, id.value());
            s.executeUpdate();
        }
    }

    private static Optional<Long> version(Connection c, ClusterId id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT version FROM clusters WHERE id = ?")) {
            s.setString(1, id.value());
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }

    private static void requireCredentialName(String name) {
        if (name == null || name.isBlank() || name.length() > MAX_CREDENTIAL_NAME) {
            throw EphemeraException.invalid("credential name '" + name + "' is invalid: use 1-" + MAX_CREDENTIAL_NAME + " characters");
        }
    }

    private Cluster decode(String id, String json, long version) {
        try {
            return ClusterJson.read(json, version);
        } catch (IllegalArgumentException | EphemeraException e) {
            throw EphemeraException.backend("the stored record of cluster " + id + " in " + db.path() + " is unreadable ("
                    + e.getMessage() + "); it was damaged or written by another program: remove that row or move the database away", e);
        }
    }
}
