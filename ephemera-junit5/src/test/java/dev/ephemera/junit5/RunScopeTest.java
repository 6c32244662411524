package dev.ephemera.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.ephemera.application.Clusters;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.testkit.inmemory.InstantBackendFactory;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * {@code scope = RUN} against {@code scope = CLASS}, on an in-memory backend (embedded Ephemera
 * with SQLite, PKI and an in-memory API server): three classes run in one launcher run, two sharing
 * a cluster, one with its own; afterwards every one of them is Deleted.
 */
@DisplayName("scope = RUN shares one cluster across classes until the run ends; CLASS gives each class its own")
class RunScopeTest {
    static final Map<String, String> SEEN = new ConcurrentHashMap<>();

    @EphemeralCluster(backend = "instant", scope = EphemeralCluster.Scope.RUN, name = "shared-x")
    static class SharedOne {
        @Test
        void uses(dev.ephemera.api.EphemeralCluster cluster, KubernetesClient client) {
            assertThat(client.getConfiguration().getMasterUrl()).startsWith(cluster.apiUrl().toString());
            SEEN.put("one", cluster.id());
        }
    }

    static class SharedTwo {
        @EphemeralCluster(backend = "instant", scope = EphemeralCluster.Scope.RUN, name = "shared-x")
        dev.ephemera.api.EphemeralCluster cluster;

        @Test
        void uses() {
            SEEN.put("two", cluster.id());
        }
    }

    @EphemeralCluster(backend = "instant")
    static class OwnCluster {
        @Test
        void uses(@EphemeralCluster Path kubeconfig, dev.ephemera.api.EphemeralCluster cluster) throws Exception {
            assertThat(Files.readString(kubeconfig)).isEqualTo(cluster.kubeconfig());
            SEEN.put("own", cluster.id());
        }
    }

    @TempDir
    Path dir;

    @Test
    @DisplayName("the two RUN classes see one cluster, the CLASS one another; all are Deleted when the run ends")
    void sharedAndOwn() throws Exception {
        Path config = dir.resolve("ephemera.yaml");
        Files.writeString(config, "backend: instant\nworkload: in-memory\nsinks: file\nsqlite:\n  path: " + dir.resolve("state.db")
                + "\nfile:\n  directory: " + dir.resolve("secrets") + "\n");
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(SharedOne.class), selectClass(SharedTwo.class), selectClass(OwnCluster.class))
                .configurationParameter(EphemeralClusterExtension.CONFIG, config.toString()).build(), new TestExecutionListener[] {summary});
        assertThat(summary.getSummary().getTotalFailureCount()).as(() -> {
            java.io.StringWriter w = new java.io.StringWriter();
            summary.getSummary().printFailuresTo(new java.io.PrintWriter(w), 20);
            return w.toString();
        }).isZero();
        assertThat(summary.getSummary().getTestsSucceededCount()).isEqualTo(3);

        assertThat(SEEN.get("one")).startsWith("run-shared-x-").isEqualTo(SEEN.get("two"));
        assertThat(SEEN.get("own")).startsWith("own-cluster-").isNotEqualTo(SEEN.get("one"));
        try (dev.ephemera.bootstrap.Ephemera e = dev.ephemera.bootstrap.Ephemera.start(ConfigLoader.Request.fromProcess(Optional.of(config)),
                Optional.empty())) {
            Map<String, Phase> phases = e.get(Clusters.class).list().stream().collect(Collectors.toMap(c -> c.id().value(), Cluster::phase));
            assertThat(phases).containsOnlyKeys(SEEN.get("one"), SEEN.get("own")).allSatisfy((id, phase) -> assertThat(phase).isEqualTo(Phase.DELETED));
        }
        // The backend is shared with the classes running beside this one (parallel classes): only ours must be gone.
        assertThat(InstantBackendFactory.BACKEND.owned()).noneMatch(r -> r.clusterId().filter(id -> id.equals(SEEN.get("one"))
                || id.equals(SEEN.get("own"))).isPresent());
        assertThat(List.of(SEEN.get("one"), SEEN.get("own"))).doesNotContainNull();
    }
}
