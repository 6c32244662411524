package dev.ephemera.cli.e2e;

import static dev.ephemera.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.server.EphemeraServer;
import dev.ephemera.server.ServerSettings;
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
 * Issue 13's "done when", through the REST API alone: the real server (bootstrap and Vert.x on
 * 127.0.0.1) in front of the fake Hetzner, fake GitHub and the Kubernetes mock, talked to over
 * HTTP as curl would. Nobody steps the cluster but the server's own driver.
 */
@DisplayName("The REST API end to end on hetzner, against the fakes")
class ApiEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "e2e-api-token-0123456789";
    private static final String SERVICE_ACCOUNTS = "/api/v1/namespaces/ephemera-ci/serviceaccounts";

    @TempDir
    Path dir;
    private World world;
    private Ephemera ephemera;
    private EphemeraServer server;
    private String base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private void start(String extraYaml) throws IOException {
        world = World.start(dir);
        Files.writeString(world.config, "policies:\n  grace: 2s\nserver:\n  token: env:E2E_API_TOKEN\n  rescan-interval: 200ms\n" + extraYaml,
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Map<String, String> env = new HashMap<>(world.env());
        env.put("E2E_API_TOKEN", TOKEN);
        ephemera = Ephemera.start(new ConfigLoader(AdapterRegistry.discover()).load(new ConfigLoader.Request(Optional.of(world.config), env, dir,
                dir.resolve("home"))), AdapterRegistry.discover());
        ServerSettings s = ServerSettings.from(ephemera.config().section("server"));
        server = new EphemeraServer(ephemera, new ServerSettings("127.0.0.1", 0, s.bodyLimit(), s.token(), Duration.ofSeconds(5),
                Duration.ZERO, List.of()));
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

    private HttpResponse<String> call(String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(4))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("content-type", "application/json");
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private JsonNode cluster(String id) {
        HttpResponse<String> r = call("GET", "/v1/clusters/" + id, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private String phase(String id) {
        return cluster(id).path("phase").asText();
    }

    @Test
    @DisplayName("claim → Ready with no client waiting → kubectl works with the kubeconfig → release → deleted after the grace")
    void claimReadyKubectlReleaseDeleted() throws Exception {
        start("");

        HttpResponse<String> claim = call("POST", "/v1/clusters", """
                {"id": "pr-42-shop", "backend": "hetzner", "owner": "acme/shop#42", "ttl": "1d",
                 "pushTo": ["github:acme/shop:E2E_KUBECONFIG"]}""");
        assertThat(claim.statusCode()).as(claim.body()).isEqualTo(201);
        assertThat(JSON.readTree(claim.body()).path("phase").asText()).isEqualTo("Requested");

        // Nobody waits or steps: plain reads until the server's driver has brought it up.
        eventually("the cluster is Ready", Duration.ofMinutes(3), () -> phase("pr-42-shop").equals("Ready"), () -> phase("pr-42-shop"));
        JsonNode ready = cluster("pr-42-shop");
        List<String> phases = new ArrayList<>();
        ready.path("timeline").forEach(e -> phases.add(e.path("phase").asText()));
        assertThat(phases).containsSubsequence("Requested", "Provisioning", "Bootstrapping", "Ready");
        assertThat(world.hetzner.servers()).hasSize(1);
        assertThat(call("GET", "/v1/clusters/pr-42-shop?wait=Ready&timeout=5s", null).statusCode()).isEqualTo(200);

        HttpResponse<String> kc = call("GET", "/v1/clusters/pr-42-shop/kubeconfig", null);
        assertThat(kc.statusCode()).as(kc.body()).isEqualTo(200);
        Path kubeconfig = dir.resolve("kc.yaml");
        Files.writeString(kubeconfig, kc.body());
        assertThat(world.github.repository(World.REPO).secret("E2E_KUBECONFIG"))
                .hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo(kc.body()));
        assumeTrue(World.kubectl().isPresent(), "kubectl is not installed; it is the independent client this test checks the kubeconfig with");
        World.Run run = world.kubectl("--kubeconfig", kubeconfig.toString(), "get", "--raw", SERVICE_ACCOUNTS);
        assertThat(run.exit()).as("kubectl failed: %s", run.stderr()).isZero();
        List<String> names = new ArrayList<>();
        JSON.readTree(run.stdout()).path("items").forEach(i -> names.add(i.at("/metadata/name").asText()));
        assertThat(names).containsExactly("ephemera-ci");

        HttpResponse<String> released = call("POST", "/v1/clusters/pr-42-shop/release", null);
        assertThat(released.statusCode()).as(released.body()).isEqualTo(200);
        assertThat(JSON.readTree(released.body()).path("phase").asText()).isEqualTo("Releasing");

        eventually("the released cluster is deleted after the 2 s grace", Duration.ofMinutes(2), () -> phase("pr-42-shop").equals("Deleted"),
                () -> phase("pr-42-shop"));
        assertThat(world.hetzner.servers()).as("servers left").isEmpty();
        assertThat(world.github.repository(World.REPO).secret("E2E_KUBECONFIG")).as("GitHub secret left").isEmpty();
        assertThat(call("GET", "/v1/clusters/pr-42-shop/kubeconfig", null).statusCode()).isIn(404, 409);
    }

    @Test
    @DisplayName("bad input is 400 and records nothing, creates nothing at Hetzner; an unknown cluster is 404")
    void badInputAndUnknown() throws Exception {
        start("");
        for (String bad : new String[] {"{\"id\": \"pr-1\", \"backend\": \"hetzner\"", "{\"id\": \"pr-1\", \"backend\": \"hetzner\", \"extra\": 1}",
            "{\"id\": \"PR 1\", \"backend\": \"hetzner\"}", "{\"id\": \"pr-1\", \"backend\": \"hetzner\", \"ttl\": \"-1d\"}",
            "{\"id\": \"pr-1\", \"backend\": \"hetzner\", \"owner\": \"nobody\"}"}) {
            HttpResponse<String> r = call("POST", "/v1/clusters", bad);
            assertThat(r.statusCode()).as(bad + " → " + r.body()).isEqualTo(400);
            assertThat(r.headers().firstValue("content-type")).contains("application/problem+json");
            assertThat(JSON.readTree(r.body()).path("code").asText()).isEqualTo("INVALID");
        }
        assertThat(JSON.readTree(call("GET", "/v1/clusters", null).body())).isEmpty();
        assertThat(world.hetzner.requests()).noneMatch(r -> r.startsWith("POST"));
        HttpResponse<String> unknown = call("GET", "/v1/clusters/pr-404", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).path("code").asText()).isEqualTo("NOT_FOUND");
    }
}
