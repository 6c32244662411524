package dev.ephemera.adapters.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A database written by schema version 1")
class SqliteSchemaMigrationTest {
    @TempDir
    Path dir;

    @Test
    @DisplayName("gains the step lease columns on open, keeps its records, and records without heartbeat read back as before")
    void migratesFromVersionOne() throws Exception {
        Path file = dir.resolve("ephemera.db");
        Cluster old = Cluster.requested(ClusterId.of("pr-1"), Optional.empty(), "kind", ClusterSpec.defaults(),
                Instant.parse("2026-01-01T00:00:00Z"), Duration.ofDays(1)).withVersion(1);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            // The version 1 schema exactly as it was created.
            s.executeUpdate("CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT");
            s.executeUpdate("INSERT INTO counters(name, value) VALUES ('pool_version', 0)");
            s.executeUpdate("CREATE TABLE pools (name TEXT PRIMARY KEY, version INTEGER NOT NULL, state TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT");
            s.executeUpdate("CREATE TABLE clusters (id TEXT PRIMARY KEY, phase TEXT NOT NULL, version INTEGER NOT NULL, record TEXT NOT NULL,"
                    + " updated_at TEXT NOT NULL) STRICT");
            s.executeUpdate("CREATE INDEX clusters_by_phase ON clusters(phase)");
            s.executeUpdate("CREATE TABLE credentials (cluster_id TEXT NOT NULL, name TEXT NOT NULL, value BLOB NOT NULL,"
                    + " PRIMARY KEY (cluster_id, name)) STRICT");
            try (PreparedStatement p = c.prepareStatement("INSERT INTO clusters VALUES ('pr-1', 'REQUESTED', 1, ?, '2026-01-01T00:00:00Z')")) {
                p.setString(1, ClusterJson.write(old));
                p.executeUpdate();
            }
            s.execute("PRAGMA user_version = 1");
        }

        try (SqliteClusterRepository repository = SqliteClusterRepository.open(new SqliteSettings(file, Duration.ofSeconds(5)))) {
            assertThat(repository.find(ClusterId.of("pr-1"))).contains(old);
            assertThat(repository.find(ClusterId.of("pr-1")).orElseThrow().heartbeat()).isEmpty();
            assertThat(repository.acquireStepLease(ClusterId.of("pr-1"), "server-a", Instant.now(), Duration.ofSeconds(30))).isTrue();
            assertThat(repository.acquireStepLease(ClusterId.of("pr-1"), "server-b", Instant.now(), Duration.ofSeconds(30))).isFalse();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(SqliteDatabase.SCHEMA_VERSION).isEqualTo(2);
        }
    }
}
