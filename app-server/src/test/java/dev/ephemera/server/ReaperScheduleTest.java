package dev.ephemera.server;

import dev.ephemera.testkit.inmemory.InstantBackendFactory;
import static dev.ephemera.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.application.Reaper;
import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.state.ClusterRepository;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server tears clusters down on time by itself: the reaper sweeps on a schedule (orphans), the driver deletes expired clusters. */
class ReaperScheduleTest {
    @TempDir
    Path dir;

    @Test
    void theServersReaperDeletesAnExpiredClusterAndAnOrphanWithoutBeingAsked() throws Exception {
        Path cfg = dir.resolve("ephemera.yaml");
        Files.writeString(cfg, "sqlite:\n  path: " + dir.resolve("state.db") + "\nfile:\n  directory: " + dir.resolve("secrets") + "\nsinks: \"\"\n");
        try (Ephemera ephemera = Ephemera.start(new ConfigLoader(AdapterRegistry.discover())
                .load(new ConfigLoader.Request(Optional.of(cfg), Map.of(), dir, dir)), AdapterRegistry.discover())) {
            Instant longAgo = Instant.now().minus(Duration.ofDays(4));
            ProvisionRequest request = new ProvisionRequest(ClusterId.of("old"), ClusterSpec.defaults(), Optional.empty(), Optional.empty(), Map.of());
            InstantBackendFactory.BACKEND.ensure(request);
            InstantBackendFactory.BACKEND.adopt(new ProvisionRequest(ClusterId.of("orphan"), ClusterSpec.defaults(), Optional.empty(),
                    Optional.empty(), Map.of()));
            ClusterRepository repo = ephemera.get(ClusterRepository.class);
            repo.insert(Cluster.requested(ClusterId.of("old"), Optional.empty(), "instant", ClusterSpec.defaults(), longAgo, Duration.ofDays(3))
                    .moveTo(Phase.PROVISIONING, longAgo, "").moveTo(Phase.BOOTSTRAPPING, longAgo, "").moveTo(Phase.READY, longAgo, "ready"));

            CompletableFuture<Reaper.Sweep> swept = new CompletableFuture<>();
            try (EphemeraServer server = new EphemeraServer(ephemera, new ServerSettings("127.0.0.1", 0, 1024, Optional.empty(),
                    Duration.ofSeconds(5), Duration.ofMillis(100), List.of("instant")))) {
                int port = server.start();
                server.onReaperSweep(s -> {
                    if (!s.orphansDestroyed().isEmpty()) {
                        swept.complete(s);
                    }
                });
                Reaper.Sweep s = swept.get(30, TimeUnit.SECONDS);
                assertThat(s.orphansDestroyed()).extracting(r -> r.clusterId().orElseThrow()).containsExactly("orphan");
                // The expired cluster goes without anyone asking: the server's driver applies the same
                // lifetime rule as the reaper, so whichever of the two comes first deletes it.
                eventually("the expired cluster is deleted", () -> repo.find(ClusterId.of("old")).orElseThrow().phase() == Phase.DELETED,
                        () -> repo.find(ClusterId.of("old")));
                eventually("the backend has no server left", () -> InstantBackendFactory.BACKEND.serverCount() == 0,
                        InstantBackendFactory.BACKEND::serverCount);
                HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(metrics.body()).contains("ephemera_reaper_orphans_destroyed_total 1.0");
            }
        }
    }

    @Test
    void aMisspeltReapOrphansBackendStopsTheServerFromStarting() throws Exception {
        Path cfg = dir.resolve("ephemera.yaml");
        Files.writeString(cfg, "sqlite:\n  path: " + dir.resolve("state.db") + "\nfile:\n  directory: " + dir.resolve("secrets") + "\n");
        try (Ephemera ephemera = Ephemera.start(new ConfigLoader(AdapterRegistry.discover())
                .load(new ConfigLoader.Request(Optional.of(cfg), Map.of(), dir, dir)), AdapterRegistry.discover());
             EphemeraServer server = new EphemeraServer(ephemera, new ServerSettings("127.0.0.1", 0, 1024, Optional.empty(),
                     Duration.ofSeconds(5), Duration.ofMinutes(1), List.of("instant", "hetzenr")))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(server::start)
                    .isInstanceOfSatisfying(dev.ephemera.domain.error.EphemeraException.class,
                            e -> assertThat(e.code()).isEqualTo(dev.ephemera.domain.error.ErrorCode.CONFIGURATION))
                    .hasMessageContaining("hetzenr").hasMessageContaining("instant");
        }
    }

    @Test
    void aDeletionThatThrowsIsCountedAndTheSweepGoesOn() throws Exception {
        Path cfg = dir.resolve("ephemera.yaml");
        Files.writeString(cfg, "sqlite:\n  path: " + dir.resolve("state.db") + "\nfile:\n  directory: " + dir.resolve("secrets") + "\nsinks: \"\"\n");
        try (Ephemera ephemera = Ephemera.start(new ConfigLoader(AdapterRegistry.discover())
                .load(new ConfigLoader.Request(Optional.of(cfg), Map.of(), dir, dir)), AdapterRegistry.discover())) {
            Instant longAgo = Instant.now().minus(Duration.ofDays(4));
            ClusterRepository repo = ephemera.get(ClusterRepository.class);
            // The probed backend's destroy throws UnsupportedOperationException: not an EphemeraException.
            repo.insert(Cluster.requested(ClusterId.of("stuck"), Optional.empty(), "probed", ClusterSpec.defaults(), longAgo, Duration.ofDays(3))
                    .moveTo(Phase.PROVISIONING, longAgo, "").moveTo(Phase.BOOTSTRAPPING, longAgo, "").moveTo(Phase.READY, longAgo, "ready"));
            InstantBackendFactory.BACKEND.ensure(new ProvisionRequest(ClusterId.of("fine"), ClusterSpec.defaults(), Optional.empty(),
                    Optional.empty(), Map.of()));
            repo.insert(Cluster.requested(ClusterId.of("fine"), Optional.empty(), "instant", ClusterSpec.defaults(), longAgo, Duration.ofDays(3))
                    .moveTo(Phase.PROVISIONING, longAgo, "").moveTo(Phase.BOOTSTRAPPING, longAgo, "").moveTo(Phase.READY, longAgo, "ready"));

            CompletableFuture<Reaper.Sweep> swept = new CompletableFuture<>();
            try (EphemeraServer server = new EphemeraServer(ephemera, new ServerSettings("127.0.0.1", 0, 1024, Optional.empty(),
                    Duration.ofSeconds(5), Duration.ofMillis(100), List.of()))) {
                int port = server.start();
                server.onReaperSweep(s -> {
                    if (!s.failures().isEmpty()) {
                        swept.complete(s);
                    }
                });
                Reaper.Sweep s = swept.get(30, TimeUnit.SECONDS);
                assertThat(s.failures()).singleElement().satisfies(f -> {
                    assertThat(f.subject()).isEqualTo("cluster stuck");
                    assertThat(f.reason()).contains("UnsupportedOperationException");
                });
                assertThat(repo.find(ClusterId.of("fine")).orElseThrow().phase()).isEqualTo(Phase.DELETED);
                HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(metrics.body()).containsPattern("ephemera_reaper_deletion_failures_total [1-9]");
            }
        }
    }
}
