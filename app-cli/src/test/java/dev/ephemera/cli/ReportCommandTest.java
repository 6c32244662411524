package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.testkit.fake.github.FakeGitHub;
import dev.ephemera.testkit.kubernetes.FailingShopCluster;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ephemera report} in-process against fabric8's CRUD mock holding seed 004's failing cluster, and the fake GitHub. */
@DisplayName("ephemera report")
class ReportCommandTest {
    @TempDir
    Path state;
    private KubernetesCrudMock mock;
    private Path kubeconfig;
    private Path out;

    @BeforeEach
    void start() throws Exception {
        mock = KubernetesCrudMock.http();
        FailingShopCluster.seed(mock);
        FailingShopCluster.expectLogs(mock, "starting\npanic: boom\n", "FATAL before\n", "ok\n");
        kubeconfig = state.resolve("kc.yaml");
        Files.writeString(kubeconfig, FailingShopCluster.kubeconfig(mock));
        out = state.resolve("ci-report");
    }

    @AfterEach
    void stop() {
        mock.close();
    }

    @Test
    @DisplayName("writes the report and, under GitHub Actions, prints annotations (at most 10 of each) and appends the step summary")
    void gitHubActions() throws Exception {
        // 12 more warning events: only 10 warning annotations may be printed.
        for (int i = 0; i < 12; i++) {
            FailingShopCluster.event(mock.client(), "w" + i, "Pod", "web-0", "Warning", "Unhealthy", "Readiness probe failed: " + i, 1,
                    "2026-01-01T10:06:" + (10 + i) + "Z");
        }
        Path summary = state.resolve("step-summary.md");
        Files.writeString(summary, "## Tests\nall green\n");
        Map<String, String> env = new HashMap<>();
        env.put("GITHUB_ACTIONS", "true");
        env.put("GITHUB_STEP_SUMMARY", summary.toString());

        CliRun r = CliRun.run(env, state, "report", "--kubeconfig", kubeconfig.toString(), "--namespace", "shop", "--out", out.toString(), "-o", "json");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(out.resolve("REPORT.md")).exists();
        List<String> lines = r.out().lines().toList();
        List<String> errors = lines.stream().filter(l -> l.startsWith("::error ")).toList();
        List<String> warnings = lines.stream().filter(l -> l.startsWith("::warning ")).toList();
        assertThat(errors).hasSize(2);
        assertThat(errors.get(0)).startsWith("::error file=" + out.resolve("k8s/logs-shop-api-0-app-previous.txt").toString().replace(":", "%3A") + ",title=Pod shop/api-0 is failing::")
                .contains("CrashLoopBackOff");
        assertThat(errors.get(1)).contains("title=Pod shop/worker-0 is failing::").contains("Unschedulable");
        assertThat(warnings).hasSize(10).allSatisfy(w -> assertThat(w).matches("::warning file=[^:]+,title=[^:]+::.+"));
        assertThat(warnings.get(0)).contains("title=FailedScheduling on shop/Pod/worker-0::0/1 nodes are available%3A".replace("%3A", ":"));
        String appended = Files.readString(summary);
        assertThat(appended).startsWith("## Tests\nall green\n").contains("### Cluster report:").contains("| shop/api-0 |")
                .contains("| shop/worker-0 |").contains("**2 failing**");
        assertThat(r.out()).contains("\"failingPods\" : 2");
    }

    @Test
    @DisplayName("without GITHUB_ACTIONS=true prints no annotation and touches no step summary")
    void notUnderActions() throws Exception {
        Path summary = state.resolve("step-summary.md");
        CliRun r = CliRun.run(Map.of("GITHUB_STEP_SUMMARY", summary.toString()), state, "report", "--kubeconfig", kubeconfig.toString(),
                "--out", out.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).doesNotContain("::error").doesNotContain("::warning");
        assertThat(summary).doesNotExist();
        assertThat(out.resolve("report.json")).exists();
    }

    @Test
    @DisplayName("--comment leaves one PR comment per cluster after three runs")
    void comment() throws Exception {
        try (FakeGitHub fake = FakeGitHub.start()) {
            fake.install("acme", "acme/shop");
            fake.repository("acme/shop").addPullRequest(42);
            Path pem = state.resolve("app.pem");
            Files.writeString(pem, fake.app().privateKeyPkcs1Pem());
            Map<String, String> env = new HashMap<>();
            env.put("EPHEMERA_GITHUB_API_URL", fake.baseUrl());
            env.put("EPHEMERA_GITHUB_APP_ID", String.valueOf(fake.app().id()));
            env.put("EPHEMERA_GITHUB_PRIVATE_KEY", "file:" + pem);

            for (int i = 0; i < 3; i++) {
                CliRun r = CliRun.run(env, state, "report", "--kubeconfig", kubeconfig.toString(), "--out", out.toString(),
                        "--comment", "acme/shop#42", "-o", "json");
                assertThat(r.exitCode()).as(r.err()).isZero();
                assertThat(r.out()).contains("\"comment\"");
            }

            assertThat(fake.repository("acme/shop").comments(42)).singleElement()
                    .satisfies(c -> assertThat(c.body()).contains("### Cluster report: 127.0.0.1-" + mock.port()).contains("| shop/api-0 |")
                            .contains("<!-- ephemera:report:127.0.0.1-" + mock.port() + " -->"));
            assertThat(fake.violations()).isEmpty();
        }
    }

    @Test
    @DisplayName("bad input exits 2 and writes nothing")
    void badInput() {
        CliRun badComment = CliRun.run(state, "report", "--kubeconfig", kubeconfig.toString(), "--out", out.toString(), "--comment", "acme/shop/42");
        assertThat(badComment.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(badComment.err()).contains("OWNER/REPO#PR");

        CliRun badLines = CliRun.run(state, "report", "--kubeconfig", kubeconfig.toString(), "--out", out.toString(), "--log-lines", "0");
        assertThat(badLines.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(badLines.err()).contains("--log-lines");

        CliRun missing = CliRun.run(state, "report", "--kubeconfig", state.resolve("nope.yaml").toString(), "--out", out.toString());
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);

        CliRun both = CliRun.run(state, "report", "--kubeconfig", kubeconfig.toString(), "--cluster", "pr-1", "--out", out.toString());
        assertThat(both.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);

        CliRun unknownCluster = CliRun.run(state, "report", "--cluster", "pr-404", "--out", out.toString());
        assertThat(unknownCluster.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(unknownCluster.err()).contains("pr-404");

        assertThat(out).doesNotExist();
    }
}
