package dev.ephemera.adapters.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The sqlite and file settings")
class SqliteSettingsTest {

    @Test
    @DisplayName("default to $XDG_STATE_HOME/ephemera when it is set")
    void defaultsUnderXdgStateHome() {
        Map<String, String> env = Map.of("XDG_STATE_HOME", "/xdg/state", "HOME", "/home/ci");

        SqliteSettings s = SqliteSettings.from(Settings.empty("sqlite"), env);

        assertThat(s.path()).isEqualTo(Path.of("/xdg/state/ephemera/ephemera.db"));
        assertThat(s.busyTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(FileSecretSinkFactory.directory(Settings.empty("file"), env)).isEqualTo(Path.of("/xdg/state/ephemera/secrets"));
    }

    @Test
    @DisplayName("default to ~/.local/state/ephemera without XDG_STATE_HOME, or when it is relative")
    void defaultsUnderHome() {
        for (Map<String, String> env : new Map[] {Map.of("HOME", "/home/ci"), Map.of("HOME", "/home/ci", "XDG_STATE_HOME", "relative/dir")}) {
            assertThat(SqliteSettings.from(Settings.empty("sqlite"), env).path()).isEqualTo(Path.of("/home/ci/.local/state/ephemera/ephemera.db"));
            assertThat(FileSecretSinkFactory.directory(Settings.empty("file"), env)).isEqualTo(Path.of("/home/ci/.local/state/ephemera/secrets"));
        }
    }

    @Test
    @DisplayName("take an explicit path, expanding a leading ~/, and a busy timeout")
    void explicitValues() {
        Settings section = Settings.empty("sqlite").with("path", "~/ci/state.db").with("busy-timeout", "2500ms");

        SqliteSettings s = SqliteSettings.from(section, Map.of("HOME", "/home/ci"));

        assertThat(s.path()).isEqualTo(Path.of("/home/ci/ci/state.db"));
        assertThat(s.busyTimeout()).isEqualTo(Duration.ofMillis(2500));
    }

    @Test
    @DisplayName("refuse an unknown key, listing the known ones")
    void unknownKeyIsRefused() {
        EphemeraException e = catchThrowableOfType(EphemeraException.class,
                () -> new SqliteLeaseStoreFactory().create(Settings.empty("sqlite").with("pth", "/tmp/x.db")));

        assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION);
        assertThat(e.getMessage()).contains("sqlite.pth").contains("busy-timeout").contains("path");
    }

    @Test
    @DisplayName("refuse a busy timeout that is not a duration")
    void badTimeoutIsRefused() {
        EphemeraException e = catchThrowableOfType(EphemeraException.class,
                () -> SqliteSettings.from(Settings.empty("sqlite").with("busy-timeout", "soon"), Map.of("HOME", "/h")));

        assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION);
        assertThat(e.getMessage()).contains("sqlite.busy-timeout");
    }
}
