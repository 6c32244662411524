package dev.ephemera.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.testkit.fake.github.FakeGitHub;
import dev.ephemera.testkit.fake.github.WebhookDeliveries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One run of the real server with a {@code lifecycle:} section on the {@code instant} backend,
 * SQLite state in the test's directory and the fake GitHub, plus signed deliveries for it. A
 * second run on the same directory is the same installation after a restart.
 */
final class LifecycleServer implements AutoCloseable {
    static final String SECRET = "webhook-secret-for-tests-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    final Ephemera ephemera;
    final EphemeraServer server;
    final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private LifecycleServer(Ephemera ephemera, EphemeraServer server, String base) {
        this.ephemera = ephemera;
        this.server = server;
        this.base = base;
    }

    /**
     * @param extraYaml   more configuration after the {@code lifecycle:} keys (top-level sections)
     * @param beforeStart runs with the bootstrapped installation before the server starts
     */
    static LifecycleServer start(Path dir, FakeGitHub github, String repository, String extraYaml, Consumer<Ephemera> beforeStart)
            throws IOException {
        Path cfg = dir.resolve("ephemera.yaml");
        Files.writeString(cfg, String.join("\n",
                "backend: instant",
                "workload: in-memory",
                "sinks: \"\"",
                "sqlite:",
                "  path: " + dir.resolve("state.db"),
                "file:",
                "  directory: " + dir.resolve("secrets"),
                "github:",
                "  api-url: " + github.baseUrl(),
                "  app-id: \"" + github.app().id() + "\"",
                "  private-key: env:E2E_GITHUB_APP_KEY",
                "  webhook-secret: env:E2E_WEBHOOK_SECRET",
                "lifecycle:",
                "  repositories: [" + repository + "]",
                "  comment-interval: 0s",
                extraYaml,
                ""), StandardCharsets.UTF_8);
        Map<String, String> env = Map.of("E2E_GITHUB_APP_KEY", github.app().privateKeyPkcs1Pem(), "E2E_WEBHOOK_SECRET", SECRET);
        AdapterRegistry registry = AdapterRegistry.discover();
        Ephemera ephemera = Ephemera.start(new ConfigLoader(registry).load(new ConfigLoader.Request(Optional.of(cfg), env, dir, dir)), registry);
        try {
            beforeStart.accept(ephemera);
            EphemeraServer server = new EphemeraServer(ephemera, new ServerSettings("127.0.0.1", 0, 1 << 20, Optional.empty(), Duration.ofSeconds(5)));
            return new LifecycleServer(ephemera, server, "http://127.0.0.1:" + server.start());
        } catch (RuntimeException e) {
            ephemera.close();
            throw e;
        }
    }

    HttpResponse<String> post(WebhookDeliveries.Delivery d) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + GitHubWebhookHandler.PATH)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(d.body()));
        d.headers().forEach((k, v) -> {
            if (!k.equalsIgnoreCase("User-Agent") || !v.isBlank()) {
                b.header(k, v);
            }
        });
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    Optional<Phase> phase(String id) {
        return ephemera.get(ClusterRepository.class).find(ClusterId.of(id)).map(Cluster::phase);
    }

    /** A signed {@code pull_request} delivery whose head branch lives in the same repository (not a fork). */
    static WebhookDeliveries.Delivery pullRequest(WebhookDeliveries deliveries, String action, String repository, int number, String sha,
                                                  long installation) {
        try {
            ObjectNode p = (ObjectNode) JSON.readTree(deliveries.pullRequestPayload(action, repository, number, sha, false, installation));
            ((ObjectNode) p.path("pull_request").path("head")).putObject("repo").put("full_name", repository);
            return deliveries.deliver("pull_request", p.toString(), SECRET);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            ephemera.close();
        }
    }
}
