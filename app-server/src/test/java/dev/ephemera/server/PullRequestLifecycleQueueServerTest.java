package dev.ephemera.server;

import dev.ephemera.testkit.inmemory.InstantBackendFactory;
import static dev.ephemera.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.testkit.fake.github.FakeGitHub;
import dev.ephemera.testkit.fake.github.WebhookDeliveries;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 17's capacity promise through the real server: with a cap of 10, the 11th pull request waits Queued, then starts. */
@DisplayName("The server's pull request lifecycle at capacity")
class PullRequestLifecycleQueueServerTest {
    private static final String REPO = "acme/queue";

    @TempDir
    Path dir;
    private final WebhookDeliveries deliveries = new WebhookDeliveries();
    private final FakeGitHub github = FakeGitHub.start();
    private final long installation = github.install("acme", REPO).id();
    private LifecycleServer run;

    @AfterEach
    void stop() {
        if (run != null) {
            run.close();
        }
        github.close();
        InstantBackendFactory.BACKEND.owned().forEach(r -> r.clusterId().map(ClusterId::of)
                .filter(id -> id.value().endsWith("-queue")).ifPresent(InstantBackendFactory.BACKEND::destroy));
    }

    private static String sha(int n) {
        return String.format("%040x", 0xabc0000L + n);
    }

    private Map<Phase, Long> phases() {
        return run.ephemera.get(ClusterRepository.class).list().stream().collect(Collectors.groupingBy(Cluster::phase, Collectors.counting()));
    }

    @Test
    @DisplayName("11 pull requests with a cap of 10: 10 Ready, 1 Queued with its position in the comment, which starts when one closes")
    void eleventhWaitsForASlot() throws Exception {
        for (int n = 1; n <= 11; n++) {
            github.repository(REPO).addPullRequest(n);
        }
        run = LifecycleServer.start(dir, github, REPO, "policies:\n  max-concurrent: 10\n  grace: 1s\nserver:\n  rescan-interval: 200ms", e -> { });
        for (int n = 1; n <= 10; n++) {
            assertThat(run.post(LifecycleServer.pullRequest(deliveries, "opened", REPO, n, sha(n), installation)).statusCode()).isEqualTo(202);
        }
        eventually("10 Ready", () -> phases().getOrDefault(Phase.READY, 0L) == 10, this::phases);
        assertThat(run.post(LifecycleServer.pullRequest(deliveries, "opened", REPO, 11, sha(11), installation)).statusCode()).isEqualTo(202);

        eventually("pr-11 Queued", () -> run.phase("pr-11-queue").equals(Optional.of(Phase.QUEUED)), this::phases);
        assertThat(phases()).containsEntry(Phase.READY, 10L).containsEntry(Phase.QUEUED, 1L);
        eventually("the comment shows position 1", () -> github.repository(REPO).comments(11).stream()
                .anyMatch(c -> c.body().contains("**Queued**") && c.body().contains("position **1**")), () -> github.repository(REPO).comments(11));
        eventually("status pending", () -> github.repository(REPO).statuses().stream()
                .anyMatch(s -> s.sha().equals(sha(11)) && s.state().equals("pending")), () -> github.repository(REPO).statuses());

        // One pull request closes: released, deleted after the grace period, and the queued one starts in its slot.
        assertThat(run.post(LifecycleServer.pullRequest(deliveries, "closed", REPO, 4, sha(4), installation)).statusCode()).isEqualTo(202);
        eventually("pr-4 Deleted", () -> run.phase("pr-4-queue").equals(Optional.of(Phase.DELETED)), this::phases);
        eventually("pr-11 Ready", () -> run.phase("pr-11-queue").equals(Optional.of(Phase.READY)), this::phases);
        eventually("status success", () -> github.repository(REPO).statuses().stream()
                .anyMatch(s -> s.sha().equals(sha(11)) && s.state().equals("success")), () -> github.repository(REPO).statuses());
        eventually("the comment says Ready", () -> github.repository(REPO).comments(11).stream().anyMatch(c -> c.body().contains("**Ready**")),
                () -> github.repository(REPO).comments(11));
        for (int n : List.of(4, 11)) {
            assertThat(github.repository(REPO).comments(n)).as("comments on #" + n).hasSize(1);
        }
        assertThat(github.violations()).isEmpty();
    }
}
