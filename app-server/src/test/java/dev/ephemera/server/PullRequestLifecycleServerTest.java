package dev.ephemera.server;

import static dev.ephemera.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.testkit.fake.github.FakeGitHub;
import dev.ephemera.testkit.fake.github.WebhookDeliveries;
import dev.ephemera.testkit.inmemory.InstantBackendFactory;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real server, bootstrap and lifecycle: signed deliveries in over HTTP, the fake GitHub
 * checking every request the adapter makes against the REST spec, SQLite state.
 */
@DisplayName("The server's pull request lifecycle")
class PullRequestLifecycleServerTest {
    private static final String SECRET = LifecycleServer.SECRET;
    private static final String REPO = "acme/shop";
    private static final String SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

    @TempDir
    Path dir;
    private final WebhookDeliveries deliveries = new WebhookDeliveries();
    private final FakeGitHub github = FakeGitHub.start();
    private final long installation = github.install("acme", REPO).id();
    private LifecycleServer server;
    private Ephemera ephemera;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
        github.close();
        // The instant backend is shared by this module's test classes: leave no server behind for the next one.
        InstantBackendFactory.BACKEND.owned().forEach(r -> r.clusterId().map(ClusterId::of)
                .filter(id -> id.value().startsWith("pr-4")).ifPresent(InstantBackendFactory.BACKEND::destroy));
    }

    private void startServer() throws Exception {
        server = LifecycleServer.start(dir, github, REPO, "", e -> { });
        ephemera = server.ephemera;
    }

    private HttpResponse<String> post(WebhookDeliveries.Delivery d) throws Exception {
        return server.post(d);
    }

    private WebhookDeliveries.Delivery opened(int number) {
        return LifecycleServer.pullRequest(deliveries, "opened", REPO, number, SHA, installation);
    }

    private Optional<Phase> phase(String id) {
        return server.phase(id);
    }

    @Test
    @DisplayName("opened → one cluster Ready, the kubeconfig in environment pr-42, one comment, status success; a redelivery changes nothing")
    void openedThroughTheServer() throws Exception {
        github.repository(REPO).addPullRequest(42);
        startServer();
        WebhookDeliveries.Delivery d = opened(42);

        assertThat(post(d).statusCode()).isEqualTo(202);
        eventually("pr-42-shop Ready", () -> phase("pr-42-shop").equals(Optional.of(Phase.READY)), () -> phase("pr-42-shop"));
        eventually("status success", () -> github.repository(REPO).statuses().stream()
                .anyMatch(s -> s.sha().equals(SHA) && s.context().equals("ephemera/cluster") && s.state().equals("success")),
                () -> github.repository(REPO).statuses());
        eventually("comment Ready", () -> github.repository(REPO).comments(42).stream().anyMatch(c -> c.body().contains("**Ready**")),
                () -> github.repository(REPO).comments(42));

        assertThat(github.repository(REPO).environmentSecret("pr-42", "E2E_KUBECONFIG")).isPresent();
        assertThat(github.repository(REPO).comments(42)).hasSize(1);
        assertThat(InstantBackendFactory.BACKEND.ensureCalls(ClusterId.of("pr-42-shop"))).isGreaterThanOrEqualTo(1);
        assertThat(github.violations()).isEmpty();

        int servers = InstantBackendFactory.BACKEND.serverCount();
        HttpResponse<String> again = post(d);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("duplicate");
        assertThat(InstantBackendFactory.BACKEND.serverCount()).isEqualTo(servers);
    }

    @Test
    @DisplayName("a bad signature, malformed JSON and an unlisted repository change nothing")
    void refusals() throws Exception {
        startServer();
        WebhookDeliveries.Delivery good = opened(43);
        assertThat(post(good.withHeader("X-Hub-Signature-256", WebhookDeliveries.signature("wrong-secret-wrong-secret", good.body()))).statusCode())
                .isEqualTo(401);
        assertThat(post(deliveries.deliver("pull_request", "{not json", SECRET)).statusCode()).isEqualTo(400);
        String other = deliveries.pullRequestPayload("opened", "acme/other", 44, SHA, false, 7);
        assertThat(post(deliveries.deliver("pull_request", other, SECRET)).statusCode()).isEqualTo(202);

        // The unlisted repository's delivery is processed (acknowledged, ignored) like any other: wait for that, then look.
        eventually("inbox drained", () -> ephemera.get(dev.ephemera.ports.state.DeliveryInbox.class).pending(10).isEmpty());
        assertThat(ephemera.get(ClusterRepository.class).list()).isEmpty();
        assertThat(github.count("issues/create-comment")).isZero();
    }
}
