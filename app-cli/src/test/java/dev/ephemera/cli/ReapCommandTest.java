package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.ports.state.ClusterRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ephemera cluster reap} says when a deletion failed, by its exit code and its output. */
class ReapCommandTest {
    @TempDir
    Path state;

    @BeforeEach
    void expiredClusterOnARefusingBackend() {
        RefusingBackendFactory.DESTROY_CALLS.set(0);
        Map<String, String> env = Map.of("EPHEMERA_SQLITE_PATH", state.resolve("ephemera/ephemera.db").toString(),
                "EPHEMERA_FILE_DIRECTORY", state.resolve("ephemera/secrets").toString());
        try (Ephemera e = Ephemera.start(new ConfigLoader.Request(Optional.empty(), env, state, state.resolve("home")), Optional.empty())) {
            Instant longAgo = Instant.now().minus(Duration.ofDays(4));
            e.get(ClusterRepository.class).insert(Cluster.requested(ClusterId.of("pr-7"), Optional.empty(), "refusing", ClusterSpec.defaults(),
                    longAgo, Duration.ofDays(3)).moveTo(Phase.PROVISIONING, longAgo, "").moveTo(Phase.BOOTSTRAPPING, longAgo, "")
                    .moveTo(Phase.READY, longAgo, "ready"));
        }
    }

    private Phase phase() {
        Map<String, String> env = Map.of("EPHEMERA_SQLITE_PATH", state.resolve("ephemera/ephemera.db").toString(),
                "EPHEMERA_FILE_DIRECTORY", state.resolve("ephemera/secrets").toString());
        try (Ephemera e = Ephemera.start(new ConfigLoader.Request(Optional.empty(), env, state, state.resolve("home")), Optional.empty())) {
            return e.get(ClusterRepository.class).find(ClusterId.of("pr-7")).orElseThrow().phase();
        }
    }

    @Test
    void aFailedDeletionExits8AndIsListed() {
        CliRun r = CliRun.run(state, "cluster", "reap", "-o", "json");
        assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(ExitCodes.BACKEND);
        assertThat(r.out()).contains("\"markedForDeletion\"").contains("pr-7").contains("\"failures\"")
                .contains("cluster pr-7").contains("\"BACKEND\"").contains("answered 500");
        assertThat(RefusingBackendFactory.DESTROY_CALLS.get()).isEqualTo(1);
        assertThat(phase()).isEqualTo(Phase.DELETING);
        // The next sweep tries again, and says so again.
        CliRun again = CliRun.run(state, "cluster", "reap");
        assertThat(again.exitCode()).isEqualTo(ExitCodes.BACKEND);
        assertThat(again.out()).contains("pr-7");
        assertThat(RefusingBackendFactory.DESTROY_CALLS.get()).isEqualTo(2);
    }

    @Test
    void anUnknownOrphansBackendIsRefusedBeforeTheSweep() {
        CliRun r = CliRun.run(state, "cluster", "reap", "--orphans", "refusing,hetzenr");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.CONFIGURATION);
        assertThat(r.err()).contains("hetzenr").contains("hetzner").contains("refusing");
        assertThat(RefusingBackendFactory.DESTROY_CALLS.get()).isZero();
        assertThat(phase()).isEqualTo(Phase.READY);
    }
}
