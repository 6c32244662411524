package dev.ephemera.adapters.embedded;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The {@code sqlite:} section, shared by the SQLite lease store and cluster repository so both
 * live in one database file unless told otherwise.
 *
 * @param path        the database file
 * @param busyTimeout how long a write waits for another process holding the database lock
 */
public record SqliteSettings(Path path, Duration busyTimeout) {
    static final String PATH = "path";
    static final String BUSY_TIMEOUT = "busy-timeout";
    static final Duration DEFAULT_BUSY_TIMEOUT = Duration.ofSeconds(10);

    public static final List<SettingSpec> SPECS = List.of(
            SettingSpec.optional(PATH, "SQLite database file holding cluster records, credentials and IP pools (created 0600)",
                    "$XDG_STATE_HOME/ephemera/ephemera.db, else ~/.local/state/ephemera/ephemera.db"),
            SettingSpec.optional(BUSY_TIMEOUT, "how long a write waits for another process to let go of the database before failing as unavailable",
                    "10s"));

    public SqliteSettings {
        if (path == null) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "sqlite.path must name a file");
        }
        if (busyTimeout == null || busyTimeout.isNegative() || busyTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "sqlite.busy-timeout must be between 0s and 24d, got " + busyTimeout);
        }
    }

    /** Reads the validated section; {@code env} supplies XDG_STATE_HOME and HOME for the default path. */
    static SqliteSettings from(Settings settings, Map<String, String> env) {
        settings.validate(SPECS);
        Path path = settings.string(PATH)
                .filter(s -> !s.isBlank())
                .map(s -> StatePaths.expandHome(s, env))
                .orElseGet(() -> StatePaths.stateDirectory(env).resolve("ephemera.db"));
        return new SqliteSettings(path.toAbsolutePath().normalize(), settings.duration(BUSY_TIMEOUT, DEFAULT_BUSY_TIMEOUT));
    }
}
