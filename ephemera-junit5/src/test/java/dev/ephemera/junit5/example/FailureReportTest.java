package dev.ephemera.junit5.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.ephemera.junit5.EphemeralCluster;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.FileEntry;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * A failing test carries its cluster's report: a class whose test fails on purpose is run through
 * the JUnit launcher (as an IDE or build tool runs it), and the file entries the launcher hears are
 * checked — the directory {@code ephemera-report-<id>} with the REPORT.md of {@code ephemera report}.
 */
@ExtendWith(DockerStandIn.class)
@DisplayName("A failed test gets the cluster's report attached")
class FailureReportTest {
    /** Run only by the test below (surefire does not pick up nested classes). */
    @ExtendWith(DockerStandIn.class)
    @EphemeralCluster(backend = "docker", ttl = "30m")
    static class FailsOnPurpose {
        @EphemeralCluster
        KubernetesClient client;

        @Test
        void fails(dev.ephemera.api.EphemeralCluster cluster) throws Exception {
            ExampleRun.record(cluster.id(), FailureReportTest.class);
            client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("evidence").endMetadata()
                    .addToData("state", "broken").build()).create();
            fail("fails on purpose, so the cluster's report is attached");
        }
    }

    @TempDir
    Path reports;

    @Test
    @DisplayName("the failure's report directory holds REPORT.md about the cluster; the cluster is deleted afterwards all the same")
    void reportIsAttached() throws Exception {
        List<FileEntry> files = new CopyOnWriteArrayList<>();
        List<ReportEntry> entries = new CopyOnWriteArrayList<>();
        List<TestExecutionResult> results = new CopyOnWriteArrayList<>();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void fileEntryPublished(TestIdentifier id, FileEntry file) {
                files.add(file);
            }

            @Override
            public void reportingEntryPublished(TestIdentifier id, ReportEntry entry) {
                entries.add(entry);
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (id.isTest()) {
                    results.add(result);
                }
            }
        };
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(FailsOnPurpose.class))
                .configurationParameter("junit.platform.reporting.output.dir", reports.toString()).build(), listener);

        assertThat(results).extracting(TestExecutionResult::getStatus).containsExactly(TestExecutionResult.Status.FAILED);
        String id = entries.stream().map(ReportEntry::getKeyValuePairs).filter(m -> m.containsKey("ephemera.cluster"))
                .map(m -> m.get("ephemera.cluster")).findFirst().orElseThrow(() -> new AssertionError("no ephemera.cluster entry in " + entries));
        assertThat(entries).extracting(ReportEntry::getKeyValuePairs).anySatisfy(m -> assertThat(m)
                .containsEntry("ephemera.report", "cluster " + id + ": attached as ephemera-report-" + id + "/REPORT.md"));
        assertThat(files).hasSize(1);
        Path dir = files.get(0).getPath();
        assertThat(dir.getFileName().toString()).isEqualTo("ephemera-report-" + id);
        assertThat(dir).startsWith(reports);
        assertThat(Files.readString(dir.resolve("REPORT.md"))).contains(id);
        assertThat(dir.resolve("report.json")).isRegularFile();
        assertThat(ExampleRun.containers(id)).as("the failed class's cluster is deleted after it").isEmpty();
    }
}
