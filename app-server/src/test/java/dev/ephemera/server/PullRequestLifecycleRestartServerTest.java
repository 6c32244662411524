package dev.ephemera.server;

import dev.ephemera.testkit.inmemory.InstantBackendFactory;
import static dev.ephemera.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.application.lifecycle.PullRequestLifecycle;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.ports.state.DeliveryInbox;
import dev.ephemera.ports.state.StoredDelivery;
import dev.ephemera.testkit.fake.github.FakeGitHub;
import dev.ephemera.testkit.fake.github.WebhookDeliveries;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17's restart promises through the real server: a delivery answered 202 is processed by
 * the next server on the same SQLite state, and the commit status finds the head commit after a
 * restart. The first server's processing is held ({@link PullRequestLifecycle#holdProcessing})
 * where a crash would stop it, so no timing decides what the first server did.
 */
@DisplayName("The server's pull request lifecycle across a restart")
class PullRequestLifecycleRestartServerTest {
    private static final String REPO = "acme/depot";

    @TempDir
    Path dir;
    private final WebhookDeliveries deliveries = new WebhookDeliveries();
    private final FakeGitHub github = FakeGitHub.start();
    private final long installation = github.install("acme", REPO).id();
    private LifecycleServer run;

    @AfterEach
    void stop() {
        InstantBackendFactory.BACKEND.setObservationsUntilRunning(0);
        if (run != null) {
            run.close();
        }
        github.close();
        // The instant backend is shared by this module's test classes: leave none of this class's servers behind.
        InstantBackendFactory.BACKEND.owned().forEach(r -> r.clusterId().map(ClusterId::of)
                .filter(id -> id.value().endsWith("-depot")).ifPresent(InstantBackendFactory.BACKEND::destroy));
    }

    private static String sha(int n) {
        return String.format("%040x", 0xd00d0000L + n);
    }

    @Test
    @DisplayName("deliveries answered 202 just before a stop are processed after the restart; none is lost, none is done twice")
    void acceptedBeforeAStopAreProcessedAfterIt() throws Exception {
        for (int n = 61; n <= 63; n++) {
            github.repository(REPO).addPullRequest(n);
        }
        List<AutoCloseable> hold = new ArrayList<>();
        run = LifecycleServer.start(dir, github, REPO, "", e -> hold.add(e.get(PullRequestLifecycle.class).holdProcessing()));
        List<WebhookDeliveries.Delivery> sent = new ArrayList<>();
        for (int n = 61; n <= 63; n++) {
            WebhookDeliveries.Delivery d = LifecycleServer.pullRequest(deliveries, "opened", REPO, n, sha(n), installation);
            sent.add(d);
            assertThat(run.post(d).statusCode()).isEqualTo(202);
        }
        // Stored before the answer, not processed: the server stops here, as a crash after 202 would leave it.
        assertThat(run.ephemera.get(DeliveryInbox.class).pending(10)).extracting(StoredDelivery::deliveryId)
                .containsExactlyInAnyOrderElementsOf(sent.stream().map(WebhookDeliveries.Delivery::id).toList());
        assertThat(run.ephemera.get(ClusterRepository.class).list()).isEmpty();
        run.close();
        run = null;

        run = LifecycleServer.start(dir, github, REPO, "", e -> { });

        for (int n = 61; n <= 63; n++) {
            String id = "pr-" + n + "-depot";
            eventually(id + " Ready", () -> run.phase(id).equals(Optional.of(Phase.READY)), () -> run.phase(id));
            String head = sha(n);
            eventually("status success on " + head, () -> github.repository(REPO).statuses().stream()
                    .anyMatch(s -> s.sha().equals(head) && s.state().equals("success")), () -> github.repository(REPO).statuses());
        }
        DeliveryInbox inbox = run.ephemera.get(DeliveryInbox.class);
        assertThat(inbox.pending(10)).isEmpty();
        for (WebhookDeliveries.Delivery d : sent) {
            assertThat(inbox.find(d.id())).hasValueSatisfying(s -> {
                assertThat(s.doneAt()).isPresent();
                assertThat(s.outcome()).startsWith("claimed ");
            });
        }
        for (int n = 61; n <= 63; n++) {
            assertThat(github.repository(REPO).comments(n)).hasSize(1);
        }

        // GitHub redelivers one by hand after the restart: stored once already, so nothing changes.
        int servers = InstantBackendFactory.BACKEND.serverCount();
        assertThat(run.post(sent.get(0)).statusCode()).isBetween(200, 202);
        assertThat(inbox.find(sent.get(0).id())).hasValueSatisfying(s -> assertThat(s.outcome()).startsWith("claimed "));
        assertThat(inbox.pending(10)).isEmpty();
        assertThat(InstantBackendFactory.BACKEND.serverCount()).isEqualTo(servers);
        assertThat(github.violations()).isEmpty();
    }

    @Test
    @DisplayName("a cluster claimed before a restart gets its success status on the head commit after it")
    void statusReachesTheHeadCommitAfterARestart() throws Exception {
        github.repository(REPO).addPullRequest(64);
        InstantBackendFactory.BACKEND.setObservationsUntilRunning(Integer.MAX_VALUE); // the server boots until the restart is over
        run = LifecycleServer.start(dir, github, REPO, "", e -> { });
        assertThat(run.post(LifecycleServer.pullRequest(deliveries, "opened", REPO, 64, sha(64), installation)).statusCode()).isEqualTo(202);
        eventually("status pending on the head commit", () -> github.repository(REPO).statuses().stream()
                .anyMatch(s -> s.sha().equals(sha(64)) && s.state().equals("pending")), () -> github.repository(REPO).statuses());
        run.close();
        run = null;

        // The new process knows the head commit only from the stored deliveries.
        run = LifecycleServer.start(dir, github, REPO, "", e -> { });
        InstantBackendFactory.BACKEND.setObservationsUntilRunning(0);

        eventually("pr-64-depot Ready", () -> run.phase("pr-64-depot").equals(Optional.of(Phase.READY)), () -> run.phase("pr-64-depot"));
        eventually("status success on the head commit", () -> github.repository(REPO).statuses().stream()
                .anyMatch(s -> s.sha().equals(sha(64)) && s.state().equals("success")), () -> github.repository(REPO).statuses());
        assertThat(github.repository(REPO).comments(64)).hasSize(1);
        assertThat(github.violations()).isEmpty();
    }
}
