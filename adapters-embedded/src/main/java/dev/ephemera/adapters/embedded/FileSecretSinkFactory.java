package dev.ephemera.adapters.embedded;

import dev.ephemera.ports.secret.SecretSink;
import dev.ephemera.ports.secret.SecretSinkFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Makes the file {@link SecretSink}, the embedded default; reads the {@code file:} section. */
public final class FileSecretSinkFactory implements SecretSinkFactory {
    static final String DIRECTORY = "directory";

    private static final List<SettingSpec> SPECS = List.of(SettingSpec.optional(DIRECTORY,
            "directory under which each secret is written as <scope>/<name>, mode 0600",
            "$XDG_STATE_HOME/ephemera/secrets, else ~/.local/state/ephemera/secrets"));

    @Override
    public String name() {
        return "file";
    }

    @Override
    public String description() {
        return "writes each secret to a 0600 file under a local directory (the embedded default)";
    }

    @Override
    public List<SettingSpec> settings() {
        return SPECS;
    }

    @Override
    public SecretSink create(Settings settings) {
        settings.validate(SPECS);
        return new FileSecretSink(directory(settings, System.getenv()));
    }

    static Path directory(Settings settings, Map<String, String> env) {
        return settings.string(DIRECTORY)
                .filter(s -> !s.isBlank())
                .map(s -> StatePaths.expandHome(s, env))
                .orElseGet(() -> StatePaths.stateDirectory(env).resolve("secrets"))
                .toAbsolutePath().normalize();
    }
}
