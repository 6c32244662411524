package dev.ephemera.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.application.ClaimRequest;
import dev.ephemera.application.ClusterDriver;
import dev.ephemera.application.ClusterEvents;
import dev.ephemera.application.Clusters;
import dev.ephemera.application.DriverSettings;
import dev.ephemera.application.PhaseChange;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriverBindingsTest {
    @TempDir
    Path dir;

    private EphemeraConfig load(String yaml) throws IOException {
        Path file = dir.resolve("ephemera.yaml");
        Files.writeString(file, yaml);
        return new ConfigLoader(AdapterRegistry.discover()).load(new ConfigLoader.Request(Optional.of(file), Map.of(),
                dir.resolve("cwd"), dir.resolve("home")));
    }

    @Test
    void theDriverSettingsComeFromTheServerSection() throws IOException {
        DriverSettings s = EphemeraModule.driverSettings(load("server:\n  max-concurrent-steps: 3\n  rescan-interval: 500ms\n  step-lease: 1m\n"));

        assertThat(s.maxConcurrent()).isEqualTo(3);
        assertThat(s.rescan()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.stepLease()).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.ownerId()).isNotBlank();
    }

    @Test
    void withoutTheKeysTheDefaultsApply() throws IOException {
        DriverSettings s = EphemeraModule.driverSettings(load("backend: kind\n"));

        assertThat(s.maxConcurrent()).isEqualTo(8);
        assertThat(s.rescan()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.stepLease()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aBadValueIsAConfigurationErrorNamingTheKey() throws IOException {
        EphemeraConfig config = load("server:\n  max-concurrent-steps: 0\n");

        assertThatThrownBy(() -> EphemeraModule.driverSettings(config)).isInstanceOf(EphemeraException.class)
                .hasMessageContaining("server.max-concurrent-steps")
                .satisfies(e -> assertThat(((EphemeraException) e).code()).isEqualTo(ErrorCode.CONFIGURATION));
    }

    @Test
    void oneDriverAndOneEventBusPerProcessAndTheDriverIsNotStartedByBinding() throws Exception {
        try (Ephemera e = Ephemera.start(load("state: memory\nstore: memory\n"), AdapterRegistry.discover())) {
            ClusterDriver driver = e.get(ClusterDriver.class);
            assertThat(e.get(ClusterDriver.class)).isSameAs(driver);
            assertThat(driver.isRunning()).isFalse();
            ClusterEvents events = e.get(ClusterEvents.class);
            assertThat(e.get(ClusterEvents.class)).isSameAs(events);

            List<PhaseChange> heard = new CopyOnWriteArrayList<>();
            try (AutoCloseable sub = events.subscribe(heard::add)) {
                e.get(Clusters.class).claim(new ClaimRequest(ClusterId.of("pr-1"), Optional.empty(), "kind", ClusterSpec.defaults(),
                        Optional.empty(), List.of(), false));
            }
            assertThat(heard).extracting(PhaseChange::to).containsExactly(Phase.REQUESTED);
        }
    }
}
