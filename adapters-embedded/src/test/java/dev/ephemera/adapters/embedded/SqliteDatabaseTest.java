package dev.ephemera.adapters.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.lease.PoolDefinition;
import dev.ephemera.domain.lease.PoolState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The SQLite database")
class SqliteDatabaseTest {
    @TempDir
    Path dir;

    private SqliteSettings settings(Duration busy) {
        return new SqliteSettings(dir.resolve("ephemera.db"), busy);
    }

    private Connection raw() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ephemera.db"));
    }

    private static PoolState lab() {
        return PoolState.empty(PoolDefinition.ofRange("lab", "10.0.0.1-10.0.0.3", List.of()));
    }

    @Test
    @DisplayName("is created in WAL mode with the current schema version, and opening it again keeps the data")
    void createdInWalModeAndReopenable() throws SQLException {
        try (SqliteLeaseStore store = SqliteLeaseStore.open(settings(Duration.ofSeconds(5)))) {
            store.create(lab());
        }
        try (SqliteLeaseStore store = SqliteLeaseStore.open(settings(Duration.ofSeconds(5)))) {
            assertThat(store.pools()).containsExactly("lab");
        }
        try (Connection c = raw(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
            }
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(SqliteDatabase.SCHEMA_VERSION);
            }
        }
    }

    @Test
    @DisplayName("written by a newer Ephemera is refused with a configuration error, untouched")
    void newerSchemaIsRefused() throws SQLException {
        SqliteLeaseStore.open(settings(Duration.ofSeconds(5))).close();
        try (Connection c = raw(); Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = 99");
        }

        EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> SqliteLeaseStore.open(settings(Duration.ofSeconds(5))));

        assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION);
        assertThat(e.getMessage()).contains("schema version 99").contains("upgrade Ephemera");
    }

    @Test
    @DisplayName("a path that is a directory is refused with a configuration error")
    void directoryPathIsRefused() throws Exception {
        Files.createDirectories(dir.resolve("ephemera.db"));

        EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> SqliteLeaseStore.open(settings(Duration.ofSeconds(1))));

        assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION);
    }

    @Test
    @DisplayName("a write blocked by another process past the busy timeout fails as UNAVAILABLE, naming the setting, and changes nothing")
    void busyPastTimeoutIsUnavailable() throws Exception {
        try (SqliteLeaseStore store = SqliteLeaseStore.open(settings(Duration.ofMillis(200)));
             Connection other = raw(); Statement s = other.createStatement()) {
            store.create(lab());
            s.execute("BEGIN IMMEDIATE");

            EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> store.create(
                    PoolState.empty(PoolDefinition.ofRange("other", "10.1.0.1-10.1.0.3", List.of()))));

            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.getMessage()).contains("sqlite.busy-timeout");
            s.execute("ROLLBACK");
            assertThat(store.pools()).containsExactly("lab");
        }
    }

    @Test
    @DisplayName("a write waits for another process's transaction to end instead of failing")
    void busyWithinTimeoutIsWaitedOut() throws Exception {
        try (SqliteLeaseStore store = SqliteLeaseStore.open(settings(Duration.ofSeconds(30)));
             Connection other = raw(); Statement s = other.createStatement()) {
            store.create(lab());
            long version = store.read("lab").orElseThrow().version();
            s.execute("BEGIN IMMEDIATE");
            CountDownLatch started = new CountDownLatch(1);
            CompletableFuture<Boolean> write = CompletableFuture.supplyAsync(() -> {
                started.countDown();
                return store.compareAndSet("lab", version, lab().allocate("h", Instant.now(), Optional.empty()).next());
            });
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

            s.execute("COMMIT");

            assertThat(write.get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(store.read("lab").orElseThrow().value().leaseOf("h")).isPresent();
        }
    }

    @Test
    @DisplayName("reads never wait for a writer")
    void readsDoNotWaitForWriters() throws Exception {
        try (SqliteLeaseStore store = SqliteLeaseStore.open(settings(Duration.ofMillis(100)));
             Connection other = raw(); Statement s = other.createStatement()) {
            store.create(lab());
            s.execute("BEGIN IMMEDIATE");
            s.executeUpdate("UPDATE pools SET updated_at = 'uncommitted'");

            assertThat(store.read("lab")).isPresent();
            assertThat(store.pools()).containsExactly("lab");
            s.execute("ROLLBACK");
        }
    }

    @Test
    @DisplayName("a damaged cluster record is reported as a backend error naming the cluster, not as absent")
    void damagedRecordIsReported() throws SQLException {
        try (SqliteClusterRepository repo = SqliteClusterRepository.open(settings(Duration.ofSeconds(5)))) {
            repo.insert(Cluster.requested(ClusterId.of("pr-1"), Optional.empty(), "kind", ClusterSpec.defaults(), Instant.now(), Duration.ofHours(1)));
            try (Connection c = raw(); Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE clusters SET record = '{\"format\":1,\"id\":\"pr-1\"}' WHERE id = 'pr-1'");
            }

            EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> repo.find(ClusterId.of("pr-1")));

            assertThat(e.code()).isEqualTo(ErrorCode.BACKEND);
            assertThat(e.getMessage()).contains("pr-1").contains("spec");
        }
    }

    @Test
    @DisplayName("reports itself down, with the reason, once it is closed")
    void closedIsDown() {
        SqliteLeaseStore store = SqliteLeaseStore.open(settings(Duration.ofSeconds(5)));
        assertThat(store.health().up()).isTrue();

        store.close();

        assertThat(store.health().up()).isFalse();
        assertThat(store.health().detail()).contains("closed");
    }

    @Test
    @DisplayName("the lease store and the cluster repository share one file")
    void oneFileForBoth() {
        try (SqliteLeaseStore store = SqliteLeaseStore.open(settings(Duration.ofSeconds(5)));
             SqliteClusterRepository repo = SqliteClusterRepository.open(settings(Duration.ofSeconds(5)))) {
            store.create(lab());
            repo.insert(Cluster.requested(ClusterId.of("pr-1"), Optional.empty(), "kind", ClusterSpec.defaults(), Instant.now(), Duration.ofHours(1)));

            assertThat(store.pools()).containsExactly("lab");
            assertThat(repo.list()).hasSize(1);
            assertThat(store.health().up()).isTrue();
            assertThat(repo.health().up()).isTrue();
        }
    }
}
