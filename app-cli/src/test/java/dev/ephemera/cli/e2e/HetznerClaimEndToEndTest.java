package dev.ephemera.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumingThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ephemera.cli.EphemeraCli;
import dev.ephemera.cli.ExitCodes;
import dev.ephemera.testkit.fake.hetzner.FakeHetzner;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7's "done when", in-process: {@code ephemera cluster create} on the {@code hetzner} backend
 * against the fake Hetzner API, whose servers boot a fake K3s with the PKI from the user data, in
 * front of fabric8's mock Kubernetes API; the kubeconfig read by the real {@code kubectl}; the
 * sealed secret opened by the fake GitHub; and {@code cluster delete} leaving nothing behind.
 */
@DisplayName("ephemera cluster create/delete on hetzner, end to end against the fakes")
class HetznerClaimEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String SERVICE_ACCOUNTS = "/api/v1/namespaces/ephemera-ci/serviceaccounts";

    @TempDir
    Path dir;
    private World world;

    @AfterEach
    void stop() {
        if (world != null) {
            try {
                assertThat(world.hetzner.violations()).as("requests the Hetzner spec does not allow").isEmpty();
                assertThat(world.github.violations()).as("requests the GitHub spec does not allow").isEmpty();
            } finally {
                world.close();
            }
        }
    }

    record Cli(int exit, String out, String err) {
    }

    /** One {@code ephemera} command in-process, as on a terminal (so progress lines show), with the world's configuration. */
    private Cli ephemera(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--config");
        all.add(world.config.toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = EphemeraCli.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true), world.env(),
                Optional.empty(), true);
        return new Cli(exit, out.toString(), err.toString());
    }

    private JsonNode record(String id) throws Exception {
        Cli get = ephemera("cluster", "get", id, "--output", "json");
        assertThat(get.exit()).as(get.err()).isZero();
        return JSON.readTree(get.out());
    }

    @Test
    @DisplayName("create goes Requested → Ready, kubectl works with the CI kubeconfig, GitHub gets it sealed; delete leaves nothing")
    void claimToReadyThenDelete() throws Exception {
        world = World.start(dir);
        Path kc = dir.resolve("kc.yaml");

        Cli create = ephemera("cluster", "create", "pr-42-shop", "--backend", "hetzner", "--owner", "acme/shop#42", "--ttl", "3d", "--wait",
                "--timeout", "3m", "--kubeconfig-out", kc.toString(), "--push", "github:acme/shop:E2E_KUBECONFIG", "--output", "json");

        assertThat(create.exit()).as(create.err()).isZero();
        JsonNode created = JSON.readTree(create.out());
        assertThat(created.path("phase").asText()).isEqualTo("Ready");
        assertThat(created.path("owner").path("repository").asText()).isEqualTo("acme/shop");
        assertThat(created.path("owner").path("pullRequest").asInt()).isEqualTo(42);
        // Phase by phase on the terminal, then the stored timeline from Requested on.
        assertThat(create.err()).containsSubsequence("Provisioning", "Bootstrapping", "Ready");
        List<String> phases = new ArrayList<>();
        record("pr-42-shop").path("timeline").forEach(e -> phases.add(e.path("phase").asText()));
        assertThat(phases).extracting(p -> p.toLowerCase(java.util.Locale.ROOT)).containsSubsequence("requested", "provisioning", "bootstrapping", "ready");

        // Exactly one server, found by our labels, running K3s at the endpoint Ephemera recorded.
        List<FakeHetzner.ServerView> servers = world.hetzner.servers();
        assertThat(servers).hasSize(1);
        FakeHetzner.ServerView server = servers.get(0);
        assertThat(server.name()).isEqualTo("pr-42-shop");
        assertThat(server.labels()).containsEntry("ephemera.dev/cluster", "pr-42-shop").containsKey("ephemera.dev/installation");
        String endpoint = "https://" + server.ipv4() + ":" + world.hetzner.apiPort();
        assertThat(created.path("endpoint").path("apiUrl").asText()).isEqualTo(endpoint);

        // The CI kubeconfig: private, pointing at the server, trusting the cluster CA, carrying the minted token.
        assertThat(Files.getPosixFilePermissions(kc)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        String kubeconfig = Files.readString(kc);
        JsonNode parsed = YAML.readTree(kubeconfig);
        assertThat(parsed.at("/clusters/0/cluster/server").asText()).isEqualTo(endpoint);
        String caInKubeconfig = new String(Base64.getDecoder().decode(parsed.at("/clusters/0/cluster/certificate-authority-data").asText()),
                StandardCharsets.US_ASCII);
        assertThat(caInKubeconfig.strip()).isEqualTo(World.pem(world.hetzner.k3s("pr-42-shop").orElseThrow().servingCa()).strip());
        assertThat(world.tokens.tokens).hasSize(1);
        String token = world.tokens.tokens.get(0);
        assertThat(parsed.at("/users/0/user/token").asText()).isEqualTo(token);
        assertThat(create.out() + create.err()).doesNotContain(token);

        // Ephemera learnt the token from a watch through the fake K3s (the token controller fills only then).
        assertThat(world.kube.events()).anySatisfy(e -> {
            assertThat(e.kind()).isEqualTo(MockKubernetesApi.Event.OPENED);
            assertThat(e.pathOnly()).isEqualTo("/api/v1/namespaces/ephemera-ci/secrets");
        });

        assumingThat(World.kubectl().isPresent(), () -> {
            World.Run run = world.kubectl("--kubeconfig", kc.toString(), "get", "--raw", SERVICE_ACCOUNTS);
            assertThat(run.exit()).as("kubectl failed: %s", run.stderr()).isZero();
            List<String> names = new ArrayList<>();
            JSON.readTree(run.stdout()).path("items").forEach(i -> names.add(i.at("/metadata/name").asText()));
            assertThat(names).containsExactly("ephemera-ci");
            assertThat(world.kube.requestsTo(SERVICE_ACCOUNTS)).anySatisfy(e -> {
                assertThat(e.userAgent()).startsWith("kubectl");
                assertThat(e.authorization()).isEqualTo("Bearer " + token);
            });
        });
        // Without the token (TLS verified against the same CA, no credentials) the API server refuses: anonymous auth is off.
        HttpResponse<String> anonymous = anonymousClient(caInKubeconfig).send(HttpRequest.newBuilder(URI.create(endpoint + SERVICE_ACCOUNTS))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);

        // The sealed secret reached GitHub and opens to the same kubeconfig; the default file sink has it too.
        assertThat(world.github.repository(World.REPO).secret("E2E_KUBECONFIG"))
                .hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo(kubeconfig));
        assertThat(world.fileSinkContents()).containsExactly("pr-42-shop/kubeconfig");
        assertThat(world.fileSink().resolve("pr-42-shop/kubeconfig")).hasContent(kubeconfig);
        Cli printed = ephemera("cluster", "kubeconfig", "pr-42-shop");
        assertThat(printed.exit()).as(printed.err()).isZero();
        assertThat(printed.out()).isEqualTo(kubeconfig);

        // Claiming again is idempotent: the same cluster, still one server.
        Cli again = ephemera("cluster", "create", "pr-42-shop", "--backend", "hetzner", "--wait", "--output", "json");
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(world.hetzner.servers()).hasSize(1);

        Cli delete = ephemera("cluster", "delete", "pr-42-shop", "--wait", "--timeout", "3m", "--output", "json");

        assertThat(delete.exit()).as(delete.err()).isZero();
        assertThat(JSON.readTree(delete.out()).path("phase").asText()).isEqualTo("Deleted");
        assertThat(world.hetzner.servers()).as("servers left").isEmpty();
        assertThat(world.hetzner.primaryIps()).as("primary IPs left").isEmpty();
        assertThat(world.github.repository(World.REPO).secret("E2E_KUBECONFIG")).as("GitHub secret left").isEmpty();
        assertThat(world.fileSinkContents()).as("file sink secrets left").isEmpty();
        JsonNode deleted = record("pr-42-shop");
        assertThat(deleted.path("phase").asText()).isEqualToIgnoringCase("deleted");
        assertThat(deleted.path("lease").isMissingNode() || deleted.path("lease").isNull() || deleted.path("lease").isEmpty())
                .as("no lease held: %s", deleted.path("lease")).isTrue();
        Cli gone = ephemera("cluster", "kubeconfig", "pr-42-shop");
        assertThat(gone.exit()).as("the stored kubeconfig is gone too").isEqualTo(3);
    }

    /** An HTTPS client that trusts only {@code caPem} and offers no credentials. */
    private static HttpClient anonymousClient(String caPem) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).build();
    }

    @Test
    @DisplayName("a 429 with RateLimit-Reset during create is waited out, and the claim still reaches Ready")
    void rateLimitIsWaitedOut() throws Exception {
        world = World.start(dir);
        world.hetzner.rateLimitNext(2, Duration.ofSeconds(3));

        Cli create = ephemera("cluster", "create", "pr-7-shop", "--backend", "hetzner", "--wait", "--timeout", "3m", "--output", "json");

        assertThat(create.exit()).as(create.err()).isZero();
        assertThat(JSON.readTree(create.out()).path("phase").asText()).isEqualTo("Ready");
        List<String> requests = world.hetzner.requests();
        // The first request was answered 429 twice and sent again each time, not given up.
        assertThat(requests.subList(0, 3)).allMatch(r -> r.equals(requests.get(0)));
        assertThat(world.hetzner.servers()).hasSize(1);
    }

    @Test
    @DisplayName("resource_limit_exceeded fails the claim with a clear message and releases everything taken so far")
    void resourceLimitFailsTheClaimAndReleasesEverything() throws Exception {
        world = World.start(dir, FakeHetzner.Options.defaults(), Map.of("primary-ip", "true"));
        world.hetzner.setServerLimit(0);

        Cli create = ephemera("cluster", "create", "pr-9-shop", "--backend", "hetzner", "--owner", "acme/shop#9", "--wait", "--timeout", "3m",
                "--push", "github:acme/shop:E2E_KUBECONFIG", "--kubeconfig-out", dir.resolve("kc.yaml").toString());

        assertThat(create.exit()).as("exit code of a cloud limit").isEqualTo(ExitCodes.LIMIT_EXCEEDED);
        assertThat(create.err()).contains("pr-9-shop").contains("did not become Ready").contains("resource_limit_exceeded")
                .contains("limit");
        // A primary IP had been taken before the server create was refused; it is gone again, as is everything else.
        assertThat(world.hetzner.requests()).anyMatch(r -> r.startsWith("POST /v1/primary_ips"));
        assertThat(world.hetzner.requests()).anyMatch(r -> r.startsWith("POST /v1/servers"));
        assertThat(world.hetzner.servers()).isEmpty();
        assertThat(world.hetzner.primaryIps()).isEmpty();
        assertThat(world.github.repository(World.REPO).secret("E2E_KUBECONFIG")).isEmpty();
        assertThat(world.fileSinkContents()).isEmpty();
        assertThat(dir.resolve("kc.yaml")).doesNotExist();
        JsonNode rec = record("pr-9-shop");
        assertThat(rec.path("phase").asText()).isEqualToIgnoringCase("deleted");
        assertThat(rec.path("failureReason").asText()).contains("resource_limit_exceeded");
    }
}
