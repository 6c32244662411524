package dev.ephemera.adapters.embedded;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.Health;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * One SQLite database file shared by many threads and many processes: opens it private to the
 * user, puts it in WAL mode, brings the schema up to date, and runs reads and write
 * transactions on a small pool of connections.
 *
 * <p>Why it is safe with many processes: every write runs in {@code BEGIN IMMEDIATE}, which takes
 * the database's write lock before reading anything, so a transaction never works from a
 * snapshot another writer has already replaced; the busy timeout makes a writer wait for the
 * lock rather than fail; compare-and-set is an {@code UPDATE … WHERE version = ?} whose row
 * count says who won. Inside one process, writers queue on a Java lock first, so they wait in
 * line instead of in SQLite's sleeping busy handler.
 */
final class SqliteDatabase implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteDatabase.class);

    /** Schema versions this code can read, kept in SQLite's {@code user_version}. */
    static final int SCHEMA_VERSION = 2;

    private static final int MAX_IDLE_CONNECTIONS = 8;

    private final SqliteSettings settings;
    private final String url;
    private final BlockingQueue<Connection> idle = new ArrayBlockingQueue<>(MAX_IDLE_CONNECTIONS);
    private final ReentrantLock writeLock = new ReentrantLock(true);
    private volatile boolean closed;

    private SqliteDatabase(SqliteSettings settings) {
        this.settings = settings;
        this.url = "jdbc:sqlite:" + settings.path();
    }

    /** Opens (creating if needed) the database file and migrates its schema. */
    static SqliteDatabase open(SqliteSettings settings) {
        SqliteNativeLibrary.prepare(System.getenv());
        Path file = settings.path();
        if (Files.isDirectory(file)) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "sqlite.path " + file + " is a directory; name a file such as " + file.resolve("ephemera.db"));
        }
        if (file.getParent() != null) {
            StatePaths.createPrivateDirectories(file.getParent());
        }
        // Created before SQLite sees it, so the file is never readable by others, not even for a moment.
        StatePaths.createPrivateFile(file);
        SqliteDatabase db = new SqliteDatabase(settings);
        try {
            db.initialise();
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        return db;
    }

    Path path() {
        return settings.path();
    }

    /** A unit of work on a connection. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} outside any explicit transaction: each statement sees the latest committed data. */
    <T> T read(String what, Work<T> work) {
        Connection c = borrow();
        boolean healthy = false;
        try {
            T result = work.run(c);
            healthy = true;
            return result;
        } catch (SQLException e) {
            throw failure(what, e);
        } finally {
            giveBack(c, healthy);
        }
    }

    /**
     * Runs {@code work} in one {@code BEGIN IMMEDIATE} transaction and commits it. An exception
     * from {@code work} rolls back. A failure of the commit itself leaves the outcome unknown,
     * which the caller sees as UNAVAILABLE.
     */
    <T> T write(String what, Work<T> work) {
        acquireWriteLock(what);
        try {
            Connection c = borrow();
            boolean healthy = false;
            try {
                execute(c, "BEGIN IMMEDIATE");
                T result;
                try {
                    result = work.run(c);
                } catch (RuntimeException e) {
                    // A refusal decided by the work itself (NOT_FOUND, CONFLICT): the connection is fine.
                    healthy = rollbackQuietly(c);
                    throw e;
                }
                execute(c, "COMMIT");
                healthy = true;
                return result;
            } catch (SQLException e) {
                rollbackQuietly(c);
                throw failure(what, e);
            } finally {
                giveBack(c, healthy);
            }
        } finally {
            writeLock.unlock();
        }
    }

    Health health() {
        try {
            int one = read("check health", c -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                    rs.next();
                    return rs.getInt(1);
                }
            });
            return one == 1 ? Health.up("sqlite " + settings.path()) : Health.down("sqlite " + settings.path() + " answered SELECT 1 with " + one);
        } catch (RuntimeException e) {
            return Health.down("sqlite " + settings.path() + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        Connection c;
        while ((c = idle.poll()) != null) {
            closeQuietly(c);
        }
    }

    private void initialise() {
        // Switching to WAL and migrating need the database to ourselves for a moment; when many
        // processes start at once on a new file, they take turns within the busy timeout.
        long deadline = System.nanoTime() + settings.busyTimeout().toNanos();
        for (int attempt = 1; ; attempt++) {
            try {
                Connection c = borrow();
                boolean healthy = false;
                try {
                    enableWal(c);
                    migrate(c);
                    healthy = true;
                    return;
                } finally {
                    giveBack(c, healthy);
                }
            } catch (SQLException e) {
                if (!isBusy(e) || System.nanoTime() > deadline) {
                    throw failure("open the database", e);
                }
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(TimeUnit.MILLISECONDS.toNanos(Math.min(50, 1L << Math.min(attempt, 6))) + 1));
            }
        }
    }

    private static void enableWal(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA journal_mode=WAL")) {
            String mode = rs.next() ? rs.getString(1) : "";
            if (!"wal".equalsIgnoreCase(mode)) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "SQLite refused WAL mode (got '" + mode
                        + "'); the database must be on a local file system that supports shared memory");
            }
        }
    }

    private void migrate(Connection c) throws SQLException {
        if (userVersion(c) == SCHEMA_VERSION) {
            return;
        }
        execute(c, "BEGIN IMMEDIATE");
        try {
            int found = userVersion(c); // again, under the write lock: another process may have migrated meanwhile
            if (found > SCHEMA_VERSION) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "database " + settings.path() + " has schema version " + found
                        + ", newer than this Ephemera understands (" + SCHEMA_VERSION + "); upgrade Ephemera or point sqlite.path elsewhere");
            }
            if (found < 1) {
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT");
                    s.executeUpdate("INSERT OR IGNORE INTO counters(name, value) VALUES ('pool_version', 0)");
                    s.executeUpdate("CREATE TABLE IF NOT EXISTS pools (name TEXT PRIMARY KEY, version INTEGER NOT NULL,"
                            + " state TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT");
                    s.executeUpdate("CREATE TABLE IF NOT EXISTS clusters (id TEXT PRIMARY KEY, phase TEXT NOT NULL,"
                            + " version INTEGER NOT NULL, record TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT");
                    s.executeUpdate("CREATE INDEX IF NOT EXISTS clusters_by_phase ON clusters(phase)");
                    s.executeUpdate("CREATE TABLE IF NOT EXISTS credentials (cluster_id TEXT NOT NULL, name TEXT NOT NULL,"
                            + " value BLOB NOT NULL, PRIMARY KEY (cluster_id, name)) STRICT");
                }
            }
            if (found < 2) {
                // Version 2: the step lease a driver takes on a cluster (holder, and until when in epoch ms).
                addColumnIfMissing(c, "clusters", "driver", "TEXT");
                addColumnIfMissing(c, "clusters", "driver_until", "INTEGER");
            }
            // Later schema versions add their steps here, each guarded by "found < n".
            execute(c, "PRAGMA user_version = " + SCHEMA_VERSION);
            execute(c, "COMMIT");
            LOG.info("sqlite schema ready path={} from={} to={}", settings.path(), found, SCHEMA_VERSION);
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c);
            throw e;
        }
    }

    private static void addColumnIfMissing(Connection c, String table, String column, String type) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (rs.next()) {
                if (column.equalsIgnoreCase(rs.getString("name"))) {
                    return;
                }
            }
        }
        execute(c, "ALTER TABLE " + table + " ADD COLUMN " + column + " " + type);
    }

    private static int userVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    private void acquireWriteLock(String what) {
        try {
            if (!writeLock.tryLock(settings.busyTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw EphemeraException.unavailable("could not " + what + ": other writers in this process held " + settings.path()
                        + " for longer than sqlite.busy-timeout (" + settings.busyTimeout().toMillis() + " ms); try again or raise the timeout", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EphemeraException.unavailable("interrupted while waiting to " + what, e);
        }
    }

    private Connection borrow() {
        if (closed) {
            throw EphemeraException.unavailable("the SQLite store for " + settings.path() + " is closed", null);
        }
        Connection c = idle.poll();
        if (c != null) {
            return c;
        }
        try {
            SQLiteConfig config = new SQLiteConfig();
            config.setBusyTimeout((int) settings.busyTimeout().toMillis());
            // NORMAL in WAL mode never corrupts and never loses a commit when the process dies;
            // only a power cut can undo the last commits, and CI machines rebuild anyway.
            config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
            config.enforceForeignKeys(false);
            return config.createConnection(url);
        } catch (SQLException e) {
            throw failure("open " + settings.path(), e);
        }
    }

    private void giveBack(Connection c, boolean healthy) {
        if (healthy && !closed && idle.offer(c)) {
            return;
        }
        closeQuietly(c);
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Rolls back whatever is open; true if the connection is known to be clean afterwards. */
    private static boolean rollbackQuietly(Connection c) {
        try {
            execute(c, "ROLLBACK");
            return true;
        } catch (SQLException ignored) {
            // No transaction was open (BEGIN itself failed), or the connection is gone; it is not reused.
            return false;
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // Closing is best effort; SQLite has already committed or rolled back.
        }
    }

    static boolean isBusy(SQLException e) {
        int primary = e.getErrorCode() & 0xFF;
        return primary == 5 || primary == 6; // SQLITE_BUSY, SQLITE_LOCKED
    }

    /** Turns an SQLite failure into the error the ports promise, with a message saying what to do. */
    EphemeraException failure(String what, SQLException e) {
        int primary = e.getErrorCode() & 0xFF;
        String where = " (" + settings.path() + ")";
        return switch (primary) {
            case 5, 6 -> EphemeraException.unavailable("could not " + what + where + ": the database stayed locked by another process for longer than sqlite.busy-timeout ("
                    + settings.busyTimeout().toMillis() + " ms); try again, or raise sqlite.busy-timeout", e);
            case 8 -> new EphemeraException(ErrorCode.CONFIGURATION, "could not " + what + where + ": the database is read-only; check its permissions and those of its directory", e);
            case 14 -> new EphemeraException(ErrorCode.CONFIGURATION, "could not " + what + where + ": cannot open the database file; check that its directory exists and is writable", e);
            case 11, 26 -> EphemeraException.backend("could not " + what + where + ": the file is not a healthy SQLite database (" + e.getMessage()
                    + "); move it away to start afresh", e);
            case 10, 13 -> EphemeraException.unavailable("could not " + what + where + ": input/output error or disk full (" + e.getMessage() + "); free space and try again", e);
            default -> EphemeraException.backend("could not " + what + where + ": " + e.getMessage(), e);
        };
    }
}
