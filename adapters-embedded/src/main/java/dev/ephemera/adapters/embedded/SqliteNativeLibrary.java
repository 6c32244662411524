package dev.ephemera.adapters.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * Gives sqlite-jdbc its native library from a per-user cache directory instead of letting every
 * process extract a 1.1 MB copy into {@code /tmp}.
 *
 * <p>sqlite-jdbc's own way extracts to {@code java.io.tmpdir} under a random name on each start and
 * first deletes the copies of its version it believes unused; processes started at once delete each
 * other's copies, and the losers print a stack trace ("Failed to delete old native lib"). Here the
 * library is extracted once per sqlite-jdbc version and platform ({@code os.name}, {@code os.arch}) into
 * {@code $XDG_CACHE_HOME/ephemera/native/sqlite-jdbc-VERSION-OS-ARCH/} (else {@code ~/.cache/ephemera/…}):
 * written to a private temporary file in that directory and renamed into place atomically, so a
 * process sees either no library or a whole one, and concurrent first starts each rename an identical
 * copy. sqlite-jdbc is then pointed at it with its documented properties {@code org.sqlite.lib.path}
 * and {@code org.sqlite.lib.name}, and its clean-up scan ({@code org.sqlite.tmpdir}) at the same
 * directory, which holds no file of the {@code sqlite-VERSION-*} pattern that scan deletes.
 *
 * <p>A user who set {@code org.sqlite.lib.path} keeps it. If the cache directory cannot be written,
 * sqlite-jdbc's default applies (logged at debug).
 */
final class SqliteNativeLibrary {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteNativeLibrary.class);
    static final String LIB_PATH = "org.sqlite.lib.path";
    static final String LIB_NAME = "org.sqlite.lib.name";
    static final String TMPDIR = "org.sqlite.tmpdir";

    private static boolean prepared;

    private SqliteNativeLibrary() {
    }

    /** Called before the first connection of this process; later calls do nothing. */
    static synchronized void prepare(Map<String, String> env) {
        if (prepared) {
            return;
        }
        prepared = true;
        if (System.getProperty(LIB_PATH) != null) {
            return;
        }
        try {
            Optional<Path> lib = extractOnce(cacheDirectory(env));
            lib.ifPresent(l -> {
                System.setProperty(LIB_PATH, l.getParent().toString());
                System.setProperty(LIB_NAME, l.getFileName().toString());
                System.setProperty(TMPDIR, l.getParent().toString());
            });
        } catch (IOException | RuntimeException e) {
            LOG.debug("sqlite native library not cached, sqlite-jdbc extracts it itself error={}", e.toString());
        }
    }

    /** {@code $XDG_CACHE_HOME/ephemera/native}, else {@code ~/.cache/ephemera/native}; a relative XDG_CACHE_HOME is ignored. */
    static Path cacheDirectory(Map<String, String> env) {
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "ephemera", "native");
        }
        String home = env.get("HOME");
        Path h = Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"));
        return h.resolve(".cache").resolve("ephemera").resolve("native");
    }

    /**
     * The library in {@code cache}, extracted from sqlite-jdbc's jar if not there yet; empty when
     * the jar has none for this platform (sqlite-jdbc then reports that itself).
     */
    static Optional<Path> extractOnce(Path cache) throws IOException {
        // Keyed by what the JVM says, so an existing copy is found without sqlite-jdbc's OSInfo (which runs `uname -o`).
        String platform = (System.getProperty("os.name") + "-" + System.getProperty("os.arch")).replaceAll("[^A-Za-z0-9_.-]", "_");
        Path dir = cache.resolve(("sqlite-jdbc-" + SQLiteJDBCLoader.getVersion() + "-" + platform).toLowerCase(Locale.ROOT));
        Path target = dir.resolve(System.mapLibraryName("sqlitejdbc"));
        if (Files.isRegularFile(target)) {
            return Optional.of(target);
        }
        String resourceDir = LibraryLoaderUtil.getNativeLibResourcePath(); // e.g. /org/sqlite/native/Linux/x86_64 (musl told apart)
        String name = LibraryLoaderUtil.getNativeLibName();
        if (!name.equals(target.getFileName().toString())) {
            return Optional.empty();
        }
        try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resourceDir + "/" + name)) {
            if (in == null) {
                return Optional.empty();
            }
            StatePaths.createPrivateDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".extracting-", ".tmp");
            try {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return Optional.of(target);
    }
}
