package dev.ephemera.cli.e2e;

import static dev.ephemera.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.TimelineEvent;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.server.EphemeraServer;
import dev.ephemera.server.GitHubWebhookHandler;
import dev.ephemera.server.ServerSettings;
import dev.ephemera.testkit.fake.github.FakeGitHub;
import dev.ephemera.testkit.fake.github.WebhookDeliveries;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17's "done when" on the {@code hetzner} backend: the real server (bootstrap and Vert.x on
 * 127.0.0.1) gets signed GitHub deliveries; the fake Hetzner's servers boot a fake K3s in front
 * of the Kubernetes mock; the fake GitHub opens the sealed environment secret; the real
 * {@code kubectl} reads the kubeconfig from it. Nobody steps a cluster but the server.
 */
@DisplayName("The pull request lifecycle end to end on hetzner, against the fakes")
class PullRequestLifecycleEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WEBHOOK_SECRET = "e2e-webhook-secret-0123456789abcdef";
    private static final String SERVICE_ACCOUNTS = "/api/v1/namespaces/ephemera-ci/serviceaccounts";
    private static final String SHA = "0123456789abcdef0123456789abcdef01234567";
    private static final Duration GRACE = Duration.ofSeconds(2);

    @TempDir
    Path dir;
    private World world;
    private Ephemera ephemera;
    private EphemeraServer server;
    private String base;
    private long installation;
    private final WebhookDeliveries deliveries = new WebhookDeliveries();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private void start() throws IOException {
        world = World.start(dir);
        // The infra repository receives seed 003's dispatches; the App is installed there too.
        installation = world.github.install("acme", "acme/infra").id();
        Files.writeString(world.config, String.join("\n",
                "policies:",
                "  grace: " + GRACE.toSeconds() + "s",
                "server:",
                "  rescan-interval: 200ms",
                "lifecycle:",
                "  repositories: [" + World.REPO + "]",
                "  comment-interval: 0s",
                ""), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Map<String, String> env = new HashMap<>(world.env());
        env.put("EPHEMERA_GITHUB_WEBHOOK_SECRET", "env:E2E_WEBHOOK_SECRET");
        env.put("E2E_WEBHOOK_SECRET", WEBHOOK_SECRET);
        ephemera = Ephemera.start(new ConfigLoader(AdapterRegistry.discover()).load(new ConfigLoader.Request(Optional.of(world.config), env, dir,
                dir.resolve("home"))), AdapterRegistry.discover());
        server = new EphemeraServer(ephemera, new ServerSettings("127.0.0.1", 0, 1 << 20, Optional.empty(), Duration.ofSeconds(5)));
        base = "http://127.0.0.1:" + server.start();
    }

    @AfterEach
    void stop() {
        try {
            if (world != null) {
                assertThat(world.hetzner.violations()).as("requests the Hetzner spec does not allow").isEmpty();
                assertThat(world.github.violations()).as("requests the GitHub spec does not allow").isEmpty();
            }
        } finally {
            if (server != null) {
                server.close();
            }
            if (ephemera != null) {
                ephemera.close();
            }
            if (world != null) {
                world.close();
            }
        }
    }

    private HttpResponse<String> post(WebhookDeliveries.Delivery d) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + GitHubWebhookHandler.PATH)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(d.body()));
        d.headers().forEach((k, v) -> {
            if (!k.equalsIgnoreCase("User-Agent") || !v.isBlank()) {
                b.header(k, v);
            }
        });
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private WebhookDeliveries.Delivery pullRequest(String action, int number) throws IOException {
        ObjectNode p = (ObjectNode) JSON.readTree(deliveries.pullRequestPayload(action, World.REPO, number, SHA, action.equals("closed"),
                installation));
        ((ObjectNode) p.path("pull_request").path("head")).putObject("repo").put("full_name", World.REPO); // not a fork
        return deliveries.deliver("pull_request", p.toString(), WEBHOOK_SECRET);
    }

    private Optional<Cluster> record(String id) {
        return ephemera.get(ClusterRepository.class).find(ClusterId.of(id));
    }

    private Optional<Phase> phase(String id) {
        return record(id).map(Cluster::phase);
    }

    private List<FakeGitHub.Comment> comments(int number) {
        return world.github.repository(World.REPO).comments(number);
    }

    /** The environment secret, opened by the fake GitHub (it decrypts the sealed box with its private key), checked with the real kubectl. */
    private boolean kubectlAccepts(int number) throws Exception {
        Optional<byte[]> secret = world.github.repository(World.REPO).environmentSecret("pr-" + number, "E2E_KUBECONFIG");
        assertThat(secret).as("secret E2E_KUBECONFIG in environment pr-" + number).isPresent();
        Path kc = dir.resolve("kubeconfig-" + number + ".yaml");
        Files.write(kc, secret.get());
        assertThat(new String(secret.get(), StandardCharsets.UTF_8)).contains("pr-" + number + "-shop").contains("https://" + world.hetzner.servers().get(0).ipv4() + ":" + world.hetzner.apiPort());
        if (World.kubectl().isEmpty()) {
            return false;
        }
        World.Run run = world.kubectl("--kubeconfig", kc.toString(), "get", "--raw", SERVICE_ACCOUNTS);
        assertThat(run.exit()).as("kubectl failed: %s", run.stderr()).isZero();
        List<String> names = new ArrayList<>();
        JSON.readTree(run.stdout()).path("items").forEach(i -> names.add(i.at("/metadata/name").asText()));
        assertThat(names).contains("ephemera-ci");
        return true;
    }

    /** Released (Releasing), then deleted no sooner than the grace period after: read from the record's timeline. */
    private void releasedThenDeletedAfterTheGrace(String id) {
        eventually(id + " Deleted", Duration.ofMinutes(2), () -> phase(id).equals(Optional.of(Phase.DELETED)), () -> phase(id));
        List<TimelineEvent> timeline = record(id).orElseThrow().timeline();
        TimelineEvent released = timeline.stream().filter(t -> t.phase() == Phase.RELEASING).reduce((a, b) -> b).orElseThrow();
        TimelineEvent deleted = timeline.stream().filter(t -> t.phase() == Phase.DELETED).reduce((a, b) -> b).orElseThrow();
        assertThat(Duration.between(released.at(), deleted.at())).isGreaterThanOrEqualTo(GRACE);
        assertThat(world.hetzner.servers()).as("servers left").isEmpty();
        assertThat(world.hetzner.primaryIps()).as("primary IPs left").isEmpty();
    }

    @Test
    @DisplayName("opened → one server, a kubeconfig kubectl accepts in environment pr-42, one comment with the cost, status success;"
            + " a redelivery changes nothing; closed → deleted after the grace; seed 003's dispatch does the same as opened")
    void pullRequestAndDispatch() throws Exception {
        start();
        world.github.repository(World.REPO).addPullRequest(42).addPullRequest(43);

        // opened
        WebhookDeliveries.Delivery opened = pullRequest("opened", 42);
        assertThat(post(opened).statusCode()).isEqualTo(202);
        eventually("pr-42-shop Ready", Duration.ofMinutes(3), () -> phase("pr-42-shop").equals(Optional.of(Phase.READY)), () -> phase("pr-42-shop"));
        eventually("status success", () -> world.github.repository(World.REPO).statuses().stream()
                .anyMatch(s -> s.sha().equals(SHA) && s.context().equals("ephemera/cluster") && s.state().equals("success")),
                () -> world.github.repository(World.REPO).statuses());
        eventually("the comment says Ready", () -> comments(42).stream().anyMatch(c -> c.body().contains("**Ready**")), () -> comments(42));

        assertThat(world.hetzner.servers()).singleElement().satisfies(s -> assertThat(s.name()).isEqualTo("pr-42-shop"));
        boolean kubectlChecked = kubectlAccepts(42);
        assertThat(comments(42)).singleElement().satisfies(c -> assertThat(c.body())
                .contains("secret `E2E_KUBECONFIG` in environment `pr-42`").contains("environment: pr-42")
                // Hetzner's price for the default cpx21 in fsn1 from GET /server_types, as the fake states it.
                .contains("cpx21 in fsn1: €0.0152/h, at most €9.51/month (gross)").contains(" so far; ").contains(" projected until "));

        // A redelivery of opened
        HttpResponse<String> again = post(opened);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("duplicate");
        assertThat(world.hetzner.servers()).hasSize(1);

        // closed
        assertThat(post(pullRequest("closed", 42)).statusCode()).isEqualTo(202);
        releasedThenDeletedAfterTheGrace("pr-42-shop");
        assertThat(world.github.repository(World.REPO).environmentSecret("pr-42", "E2E_KUBECONFIG")).as("secret left").isEmpty();
        eventually("the comment says Deleted", () -> comments(42).stream().anyMatch(c -> c.body().contains("**Deleted**")), () -> comments(42));
        // Requested, Provisioning, Bootstrapping, Ready, Releasing, Deleting, Deleted: six phase updates, still one comment.
        assertThat(record("pr-42-shop").orElseThrow().timeline().size()).isGreaterThanOrEqualTo(6);
        assertThat(comments(42)).hasSize(1);

        // Every fake server fronts the same mock Kubernetes API; a new server is a new cluster, so the first one's objects go
        // (the token controller would otherwise find its service account token, issued under the deleted cluster's CA).
        world.kube.client().secrets().inNamespace("ephemera-ci").delete();
        world.kube.client().serviceAccounts().inNamespace("ephemera-ci").delete();

        // Seed 003's repository_dispatch, sent to the infra repository, naming the application repository by name.
        Map<String, Object> seedPayload = Map.of("pr_number", "43", "repository", "shop", "branch", "feature/x");
        assertThat(post(deliveries.deliver("repository_dispatch", deliveries.repositoryDispatchPayload("create_ephemeral_cluster", "acme/infra",
                seedPayload, installation), WEBHOOK_SECRET)).statusCode()).isEqualTo(202);
        eventually("pr-43-shop Ready", Duration.ofMinutes(3), () -> phase("pr-43-shop").equals(Optional.of(Phase.READY)), () -> phase("pr-43-shop"));
        assertThat(world.hetzner.servers()).singleElement().satisfies(s -> assertThat(s.name()).isEqualTo("pr-43-shop"));
        kubectlAccepts(43);
        eventually("one comment on #43 says Ready", () -> comments(43).stream().anyMatch(c -> c.body().contains("**Ready**")), () -> comments(43));
        assertThat(comments(43)).hasSize(1);

        assertThat(post(deliveries.deliver("repository_dispatch", deliveries.repositoryDispatchPayload("destroy_ephemeral_cluster", "acme/infra",
                seedPayload, installation), WEBHOOK_SECRET)).statusCode()).isEqualTo(202);
        releasedThenDeletedAfterTheGrace("pr-43-shop");

        assumeTrue(kubectlChecked, "kubectl is not installed, so the kubeconfig was not tried with the real kubectl; every other check passed");
    }
}
