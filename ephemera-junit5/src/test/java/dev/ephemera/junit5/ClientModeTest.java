package dev.ephemera.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.ephemera.application.Clusters;
import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.server.EphemeraServer;
import dev.ephemera.server.ServerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.FileEntry;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * With {@code ephemera.server} set, the extension claims through the server's REST API (the real
 * server in process, on an in-memory backend): the class gets its cluster, the cluster is Deleted
 * on the server after the class, and a failed test gets no report (the server has none to give)
 * but an entry saying why.
 */
@DisplayName("@EphemeralCluster in client mode: claimed from a server, deleted there; a failure says why no report is attached")
class ClientModeTest {
    static volatile String claimed;

    @EphemeralCluster(backend = "instant")
    static class FailsAgainstAServer {
        @Test
        void fails(dev.ephemera.api.EphemeralCluster cluster) {
            claimed = cluster.id();
            fail("fails on purpose");
        }
    }

    @TempDir
    Path dir;

    @Test
    @DisplayName("the cluster comes from the server and is deleted there; no report is attached, and the entry says why")
    void clientMode() throws Exception {
        Path cfg = dir.resolve("ephemera.yaml");
        Files.writeString(cfg, "backend: instant\nworkload: in-memory\nsinks: file\nsqlite:\n  path: " + dir.resolve("state.db")
                + "\nfile:\n  directory: " + dir.resolve("secrets") + "\n");
        try (dev.ephemera.bootstrap.Ephemera ephemera = dev.ephemera.bootstrap.Ephemera.start(new ConfigLoader(AdapterRegistry.discover())
                .load(new ConfigLoader.Request(Optional.of(cfg), Map.of(), dir, dir)), AdapterRegistry.discover());
             EphemeraServer server = new EphemeraServer(ephemera, ServerSettings.from(ephemera.config().section("server")).withPort(0).withHost("127.0.0.1"))) {
            String url = "http://127.0.0.1:" + server.start();
            List<ReportEntry> entries = new CopyOnWriteArrayList<>();
            List<FileEntry> files = new CopyOnWriteArrayList<>();
            List<TestExecutionResult> results = new CopyOnWriteArrayList<>();
            LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(FailsAgainstAServer.class))
                    .configurationParameter(EphemeralClusterExtension.SERVER, url)
                    .configurationParameter("junit.platform.reporting.output.dir", dir.resolve("reports").toString()).build(),
                    new TestExecutionListener() {
                        @Override
                        public void reportingEntryPublished(TestIdentifier id, ReportEntry entry) {
                            entries.add(entry);
                        }

                        @Override
                        public void fileEntryPublished(TestIdentifier id, FileEntry file) {
                            files.add(file);
                        }

                        @Override
                        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                            if (id.isTest()) {
                                results.add(result);
                            }
                        }
                    });

            assertThat(results).extracting(TestExecutionResult::getStatus).containsExactly(TestExecutionResult.Status.FAILED);
            assertThat(claimed).startsWith("fails-against-a-server-");
            Cluster c = ephemera.get(Clusters.class).list().stream().filter(x -> x.id().value().equals(claimed)).findFirst().orElseThrow();
            assertThat(c.phase()).isEqualTo(Phase.DELETED);
            assertThat(files).isEmpty();
            assertThat(entries).extracting(ReportEntry::getKeyValuePairs).anySatisfy(m -> assertThat(m.get("ephemera.report"))
                    .startsWith("cluster " + claimed + ": no report attached").contains("ephemera report --kubeconfig"));
        }
    }
}
