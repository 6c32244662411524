package dev.ephemera.adapters.embedded;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.lease.PoolDefinition;
import dev.ephemera.domain.lease.PoolState;
import dev.ephemera.domain.lease.Versioned;
import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.ports.spi.Health;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * IP pool states in SQLite, one row per pool holding {@link PoolState#toDocument()} as JSON.
 * Versions come from one counter shared by all pools, so a pool deleted and created again never
 * reuses a version and a write based on the old pool cannot land on the new one.
 */
public final class SqliteLeaseStore implements LeaseStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> DOCUMENT = new TypeReference<>() {
    };

    private final SqliteDatabase db;

    SqliteLeaseStore(SqliteDatabase db) {
        this.db = db;
    }

    /** Opens the store on {@code settings.path()}, creating and migrating the file if needed. */
    public static SqliteLeaseStore open(SqliteSettings settings) {
        return new SqliteLeaseStore(SqliteDatabase.open(settings));
    }

    @Override
    public Optional<Versioned<PoolState>> read(String pool) {
        PoolDefinition.requireValidName(pool);
        return db.read("read pool '" + pool + "'", c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT state, version FROM pools WHERE name = ?")) {
                s.setString(1, pool);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new Versioned<>(decode(pool, rs.getString(1)), rs.getLong(2)));
                }
            }
        });
    }

    @Override
    public boolean create(PoolState initial) {
        String json = encode(initial);
        return db.write("create pool '" + initial.name() + "'", c -> {
            long version = nextVersion(c);
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO pools(name, version, state, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO NOTHING")) {
                s.setString(1, initial.name());
                s.setLong(2, version);
                s.setString(3, json);
                s.setString(4, Instant.now().toString());
                if (s.executeUpdate() == 0) {
                    return false;
                }
            }
            saveVersion(c, version);
            return true;
        });
    }

    @Override
    public boolean compareAndSet(String pool, long expectedVersion, PoolState next) {
        PoolDefinition.requireValidName(pool);
        if (!next.name().equals(pool)) {
            throw EphemeraException.invalid("cannot write the state of pool '" + next.name() + "' as pool '" + pool + "'");
        }
        String json = encode(next);
        return db.write("update pool '" + pool + "'", c -> {
            long version = nextVersion(c);
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE pools SET state = ?, version = ?, updated_at = ? WHERE name = ? AND version = ?")) {
                s.setString(1, json);
                s.setLong(2, version);
                s.setString(3, Instant.now().toString());
                s.setString(4, pool);
                s.setLong(5, expectedVersion);
                if (s.executeUpdate() == 1) {
                    saveVersion(c, version);
                    return true;
                }
            }
            if (!exists(c, pool)) {
                throw EphemeraException.notFound("pool '" + pool + "' does not exist; create it with: ephemera pool create " + pool + " --range FIRST-LAST");
            }
            return false;
        });
    }

    @Override
    public List<String> pools() {
        return db.read("list pools", c -> {
            List<String> names = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT name FROM pools ORDER BY name");
                 ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            return List.copyOf(names);
        });
    }

    @Override
    public boolean delete(String pool) {
        PoolDefinition.requireValidName(pool);
        return db.write("delete pool '" + pool + "'", c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM pools WHERE name = ?")) {
                s.setString(1, pool);
                return s.executeUpdate() == 1;
            }
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

    private static boolean exists(Connection c, String pool) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM pools WHERE name = ?")) {
            s.setString(1, pool);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static long nextVersion(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT value FROM counters WHERE name = 'pool_version'");
             ResultSet rs = s.executeQuery()) {
            return (rs.next() ? rs.getLong(1) : 0) + 1;
        }
    }

    private static void saveVersion(Connection c, long version) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE counters SET value = ? WHERE name = 'pool_version'")) {
            s.setLong(1, version);
            s.executeUpdate();
        }
    }

    private static String encode(PoolState state) {
        try {
            return JSON.writeValueAsString(state.toDocument());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a pool document is plain maps and strings and always encodes", e);
        }
    }

    private PoolState decode(String pool, String json) {
        try {
            return PoolState.fromDocument(JSON.readValue(json, DOCUMENT));
        } catch (JsonProcessingException | EphemeraException e) {
            throw EphemeraException.backend("the stored state of pool '" + pool + "' in " + db.path()
                    + " is unreadable (" + e.getMessage() + "); delete the pool and create it again", e);
        }
    }
}
