package dev.ephemera.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.application.lifecycle.LifecycleSettings;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The lifecycle: section in ephemera.yaml")
class LifecycleBindingsTest {
    @TempDir
    Path dir;

    private EphemeraConfig load(String yaml, Map<String, String> env) throws IOException {
        Path file = dir.resolve("ephemera.yaml");
        Files.writeString(file, yaml);
        return new ConfigLoader(AdapterRegistry.discover()).load(new ConfigLoader.Request(Optional.of(file), env,
                dir.resolve("cwd"), dir.resolve("home")));
    }

    @Test
    @DisplayName("is read from the file and the environment, with the top-level backend as default")
    void readsTheSection() throws IOException {
        EphemeraConfig c = load("backend: kind\nlifecycle:\n  repositories: [acme/shop]\n  required-label: ephemeral-cluster\n",
                Map.of("EPHEMERA_LIFECYCLE_FORKS", "true"));
        LifecycleSettings s = LifecycleSettings.from(c.section("lifecycle"), c.defaultBackend());

        assertThat(s.allows("acme/shop")).isTrue();
        assertThat(s.backend()).isEqualTo("kind");
        assertThat(s.requiredLabel()).contains("ephemeral-cluster");
        assertThat(s.forks()).isTrue();
    }

    @Test
    @DisplayName("refuses an unknown key, listing the known ones")
    void refusesUnknownKeys() {
        assertThatThrownBy(() -> load("lifecycle:\n  repos: [acme/shop]\n", Map.of())).isInstanceOf(EphemeraException.class)
                .hasMessageContaining("repositories").satisfies(e -> assertThat(((EphemeraException) e).code()).isEqualTo(ErrorCode.CONFIGURATION));
    }
}
