package dev.ephemera.adapters.kubernetes.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import dev.ephemera.application.Clusters;
import dev.ephemera.application.report.ReportOutcome;
import dev.ephemera.application.report.ReportRequest;
import dev.ephemera.application.report.Reports;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.ports.codehost.CodeHost;
import dev.ephemera.testkit.inmemory.InMemoryClusterRepository;
import dev.ephemera.testkit.kubernetes.FailingShopCluster;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code Reports} with the fabric8 collector against fabric8's CRUD mock API server holding seed 004's failing test cluster. */
@DisplayName("A report of a test cluster")
class ReportOnMockClusterTest {
    static final String API_LOG = "starting api\nconnecting to db:5432\nERROR cannot connect to db:5432\npanic: connection refused\n";
    static final String API_PREVIOUS_LOG = "starting api (previous)\nFATAL config key DB_URL missing\n";
    static final String WEB_LOG = "listening on :8080\nGET /healthz 200\n";
    static final Path SCHEMA = Path.of("..", "docs", "report.schema.json");

    @TempDir
    Path dir;
    private KubernetesCrudMock mock;
    private final Instant now = Instant.parse("2026-01-01T10:10:00Z");

    @BeforeEach
    void start() {
        mock = KubernetesCrudMock.http();
        FailingShopCluster.seed(mock);
    }

    @AfterEach
    void stop() {
        mock.close();
    }

    private void logs(String api, String web) {
        FailingShopCluster.expectLogs(mock, api, API_PREVIOUS_LOG, web);
    }

    private Reports reports(InMemoryClusterRepository repo) {
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        return new Reports(new KubernetesClusterDiagnostics(), () -> new Clusters(repo, Policies.defaults(), clock),
                () -> {
                    throw new AssertionError("no code host in this test");
                }, clock);
    }

    private ReportRequest byKubeconfig(int byteCap) {
        return new ReportRequest(new ReportRequest.KubeconfigTarget(FailingShopCluster.kubeconfigSecret(mock), Optional.empty()), List.of(), dir,
                Optional.empty(), 200, byteCap, 4, Duration.ofSeconds(30));
    }

    private String read(String name) throws IOException {
        return Files.readString(dir.resolve(name), StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("lists the two failing pods first, the crash loop before the pending pod, with the tails of their logs")
    void failingPodsFirst() throws Exception {
        logs(API_LOG, WEB_LOG);
        ReportOutcome o = reports(new InMemoryClusterRepository()).write(byKubeconfig(256 * 1024));

        assertThat(o.files().get(0)).isEqualTo("REPORT.md");
        assertThat(o.report().failing()).extracting(f -> f.key()).containsExactly("shop/api-0", "shop/worker-0");
        String md = read("REPORT.md");
        String failing = md.substring(md.indexOf("## Failing pods"), md.indexOf("## Pod status"));
        assertThat(failing.indexOf("### shop/api-0")).isPositive().isLessThan(failing.indexOf("### shop/worker-0"));
        assertThat(failing).contains("CrashLoopBackOff").contains("last ended Error (exit 1)")
                .contains("panic: connection refused").contains("FATAL config key DB_URL missing")
                .contains("Unschedulable").contains("Insufficient cpu").doesNotContain("### shop/web-0");
        String status = md.substring(md.indexOf("## Pod status"), md.indexOf("## Warnings"));
        assertThat(status.indexOf("api-0")).isLessThan(status.indexOf("worker-0"));
        assertThat(status.indexOf("worker-0")).isLessThan(status.indexOf("web-0"));
        assertThat(status).contains("| shop | api-0 | Running | 0/1 | 5 | app: Error (exit 1) | **yes** |");
        String warnings = md.substring(md.indexOf("## Warnings"), md.indexOf("## Timeline"));
        assertThat(warnings).contains("FailedScheduling").contains("BackOff").contains("panic: connection refused");
        assertThat(md).contains("| Pod | 3 |").contains("| Secret | 1 |").contains("[k8s/events.txt](k8s/events.txt)");

        assertThat(dir.resolve("k8s/logs-shop-api-0-app.txt")).hasContent(API_LOG.stripTrailing());
        assertThat(read("k8s/logs-shop-api-0-app-previous.txt")).isEqualTo(API_PREVIOUS_LOG);
        assertThat(read("k8s/logs-shop-web-0-web.txt")).isEqualTo(WEB_LOG);
        assertThat(read("k8s/resources.txt")).contains("NAMESPACE").contains("api-0").contains("0/1 CrashLoopBackOff, 5 restarts");
        assertThat(read("k8s/pod-descriptions.txt")).contains("Name:        worker-0").contains("PodScheduled False Unschedulable");
        assertThat(read("k8s/events.txt")).contains("FailedScheduling");
    }

    @Test
    @DisplayName("merges the cluster's phases from Ephemera's record with the events, in time order")
    void timelineInTimeOrder() throws Exception {
        logs(API_LOG, WEB_LOG);
        InMemoryClusterRepository repo = new InMemoryClusterRepository();
        ClusterId id = ClusterId.of("pr-42-shop");
        Cluster c = Cluster.requested(id, Optional.empty(), "docker", ClusterSpec.defaults(), Instant.parse("2026-01-01T09:50:00Z"), Duration.ofDays(1));
        c = repo.insert(c);
        c = repo.update(c.moveTo(Phase.PROVISIONING, Instant.parse("2026-01-01T09:51:00Z"), "provisioning"));
        c = repo.update(c.moveTo(Phase.BOOTSTRAPPING, Instant.parse("2026-01-01T09:55:00Z"), "bootstrapping"));
        c = repo.update(c.moveTo(Phase.READY, Instant.parse("2026-01-01T10:00:30Z"), "ready"));
        repo.putCredential(id, "kubeconfig", FailingShopCluster.kubeconfigSecret(mock));

        ReportOutcome o = reports(repo).write(new ReportRequest(new ReportRequest.ClusterTarget(id), List.of("shop"), dir, Optional.empty(), 200,
                64 * 1024, 2, Duration.ofSeconds(30)));

        List<String> lines = read("k8s/timeline.txt").lines().toList();
        List<Instant> times = new ArrayList<>();
        for (String l : lines) {
            times.add(Instant.parse(l.substring(0, 19).replace(' ', 'T') + "Z"));
        }
        assertThat(times).isSorted().hasSize(8);
        assertThat(lines.get(0)).contains("ephemera").contains("Requested");
        assertThat(String.join("\n", lines)).containsSubsequence("Requested", "Provisioning", "Bootstrapping", "Scheduled", "Ready", "FailedScheduling",
                "Started", "BackOff");
        assertThat(o.report().cluster()).contains(id);
        assertThat(read("REPORT.md")).startsWith("# Cluster report: pr-42-shop").contains("| 2026-01-01 10:00:30Z | ephemera | pr-42-shop Ready: ready |");
    }

    @Test
    @DisplayName("writes report.json that validates against docs/report.schema.json")
    void reportJsonValidates() throws Exception {
        logs(API_LOG, null);
        reports(new InMemoryClusterRepository()).write(byKubeconfig(256 * 1024));

        Schema schema = SchemaRegistry.withDialect(Dialects.getDraft202012()).getSchema(Files.readString(SCHEMA), InputFormat.JSON);
        List<Error> errors = schema.validate(read("report.json"), InputFormat.JSON);
        assertThat(errors).isEmpty();
        assertThat(read("report.json")).contains("\"failingPods\": 2").contains("\"logsNotRead\": 1").contains("\"name\": \"api-0\"");
    }

    @Test
    @DisplayName("never writes a Secret's data, string data or last-applied annotation anywhere in the directory")
    void noSecretData() throws Exception {
        logs(API_LOG, WEB_LOG);
        reports(new InMemoryClusterRepository()).write(byKubeconfig(256 * 1024));

        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        assertThat(files).hasSizeGreaterThan(8);
        for (Path f : files) {
            assertThat(Files.readString(f)).as(f.toString()).doesNotContain(FailingShopCluster.SECRET_VALUE).doesNotContain(FailingShopCluster.SECRET_B64)
                    .doesNotContain("ci-token");
        }
        assertThat(read("k8s/resources.json")).contains("\"name\":\"db\"").contains("\"kind\":\"Secret\"");
    }

    @Test
    @DisplayName("a log that cannot be read is noted in the report, and the report is still written")
    void unreadableLog() throws Exception {
        logs(API_LOG, null);
        ReportOutcome o = reports(new InMemoryClusterRepository()).write(byKubeconfig(256 * 1024));

        assertThat(o.report().snapshot().logs()).filteredOn(l -> l.error().isPresent()).singleElement()
                .satisfies(l -> assertThat(l.pod()).isEqualTo("web-0"));
        assertThat(read("REPORT.md")).contains("Logs that could not be read").contains("shop/web-0/web").contains("HTTP 500");
        assertThat(read("k8s/logs-shop-web-0-web.txt")).startsWith("# The log of shop/web-0/web could not be read");
        assertThat(read("k8s/logs-shop-api-0-app.txt")).contains("panic: connection refused");
    }

    @Test
    @DisplayName("keeps only the newest bytes of a huge log, within the byte cap, starting at a whole line")
    void hugeLogCut() throws Exception {
        StringBuilder huge = new StringBuilder();
        for (int i = 0; i < 200_000; i++) {
            huge.append("line ").append(i).append(" of a very chatty container\n");
        }
        logs(huge.toString(), WEB_LOG);
        ReportOutcome o = reports(new InMemoryClusterRepository()).write(byKubeconfig(4096));

        Path log = dir.resolve("k8s/logs-shop-api-0-app.txt");
        assertThat(Files.size(log)).isLessThanOrEqualTo(4096).isGreaterThan(3000);
        String text = Files.readString(log);
        assertThat(text).startsWith("line ").endsWith("line 199999 of a very chatty container\n");
        assertThat(read("REPORT.md")).contains("cut to the newest 4096 bytes");
        assertThat(read("report.json")).contains("\"truncated\": true");
        assertThat(o.report().snapshot().logs()).filteredOn(l -> l.truncated()).hasSize(1);
    }

    @Test
    @DisplayName("stops at the time budget: a log still coming is noted as not read, and the report is written")
    void timeBudget() throws Exception {
        var s = mock.server();
        s.expect().get().withPath(FailingShopCluster.logPath("api-0", "app", false, 200)).andReturn(200, API_LOG).always();
        s.expect().get().withPath(FailingShopCluster.logPath("api-0", "app", true, 200)).andReturn(200, API_PREVIOUS_LOG).always();
        s.expect().get().delay(20, java.util.concurrent.TimeUnit.SECONDS).withPath(FailingShopCluster.logPath("web-0", "web", false, 200))
                .andReturn(200, WEB_LOG).always();

        ReportOutcome o = reports(new InMemoryClusterRepository()).write(new ReportRequest(new ReportRequest.KubeconfigTarget(
                FailingShopCluster.kubeconfigSecret(mock), Optional.empty()), List.of(), dir, Optional.empty(), 200, 64 * 1024, 4,
                Duration.ofSeconds(5)));

        assertThat(o.report().snapshot().budgetExhausted()).isTrue();
        assertThat(o.report().snapshot().logs()).filteredOn(l -> l.pod().equals("web-0")).singleElement()
                .satisfies(l -> assertThat(l.error()).hasValueSatisfying(e -> assertThat(e).contains("time budget of 5s ran out")));
        assertThat(read("report.json")).contains("\"budgetExhausted\": true");
        assertThat(read("REPORT.md")).contains("Not everything could be collected").contains("time budget");
    }
}
