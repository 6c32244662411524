package dev.ephemera.cli.e2e;

import static dev.ephemera.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.cli.EphemeraCli;
import dev.ephemera.cli.ExitCodes;
import dev.ephemera.server.EphemeraServer;
import dev.ephemera.server.ServerSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's "the same flow through the CLI in client mode, run with no Hetzner token in its
 * environment": the real server (bootstrap and Vert.x on 127.0.0.1) in front of the fake Hetzner,
 * fake GitHub and the Kubernetes mock; the CLI in-process with nothing but {@code EPHEMERA_SERVER}
 * and {@code EPHEMERA_TOKEN} (no configuration, no cloud token, a home and state directory of its
 * own that must stay empty). The same commands run locally against the server's store print the
 * same output.
 */
@DisplayName("The CLI as a client of the server, end to end on hetzner against the fakes")
class ClientModeEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "e2e-client-mode-token-0123456789";
    private static final String SERVICE_ACCOUNTS = "/api/v1/namespaces/ephemera-ci/serviceaccounts";

    @TempDir
    Path dir;
    private World world;
    private Ephemera ephemera;
    private EphemeraServer server;
    private String base;
    private Path client;

    private void start() throws IOException {
        world = World.start(dir);
        Files.writeString(world.config, "policies:\n  grace: 2s\nserver:\n  token: env:E2E_API_TOKEN\n  rescan-interval: 200ms\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Map<String, String> env = new HashMap<>(world.env());
        env.put("E2E_API_TOKEN", TOKEN);
        ephemera = Ephemera.start(new ConfigLoader(AdapterRegistry.discover()).load(new ConfigLoader.Request(Optional.of(world.config), env, dir,
                dir.resolve("home"))), AdapterRegistry.discover());
        ServerSettings s = ServerSettings.from(ephemera.config().section("server"));
        server = new EphemeraServer(ephemera, new ServerSettings("127.0.0.1", 0, s.bodyLimit(), s.token(), Duration.ofSeconds(5),
                Duration.ZERO, List.of()));
        base = "http://127.0.0.1:" + server.start();
        client = Files.createDirectories(dir.resolve("client"));
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

    record Cli(int exit, String out, String err) {
    }

    /** The CI job's environment: the server's URL and token, a home of its own; no cloud token, no configuration, no store. */
    private Map<String, String> clientEnv(String token) {
        Map<String, String> env = new HashMap<>();
        env.put("EPHEMERA_SERVER", base);
        if (token != null) {
            env.put("EPHEMERA_TOKEN", token);
        }
        env.put("HOME", client.resolve("home").toString());
        env.put("XDG_STATE_HOME", client.resolve("state").toString());
        env.put("XDG_CONFIG_HOME", client.resolve("config").toString());
        env.put("PWD", client.toString());
        return env;
    }

    private static Cli run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // As on a terminal, so the progress lines of --wait show on stderr.
        int exit = EphemeraCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true), env, Optional.empty(), true);
        return new Cli(exit, out.toString(), err.toString());
    }

    /** A client-mode run, as a CI job with only the URL and the token. */
    private Cli remote(String... args) {
        return run(clientEnv(TOKEN), args);
    }

    /** The same command run locally, on the server's own configuration and store. */
    private Cli local(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--config");
        all.add(world.config.toString());
        Map<String, String> env = new HashMap<>(world.env());
        env.put("E2E_API_TOKEN", TOKEN);
        return run(env, all.toArray(String[]::new));
    }

    private String phase(String id) {
        Cli get = remote("cluster", "get", id, "-o", "json");
        assertThat(get.exit()).as(get.err()).isZero();
        try {
            return JSON.readTree(get.out()).path("phase").asText();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<String> clientFiles() throws IOException {
        try (Stream<Path> s = Files.walk(client)) {
            return s.filter(Files::isRegularFile).map(Path::toString).toList();
        }
    }

    @Test
    @DisplayName("create --wait shows the phases from the event stream → Ready; kubectl works with its kubeconfig; release → Deleted after the grace")
    void createWaitKubeconfigRelease() throws Exception {
        start();
        assertThat(clientEnv(TOKEN)).doesNotContainKeys("E2E_HCLOUD_TOKEN", "EPHEMERA_HETZNER_TOKEN", "E2E_GITHUB_APP_KEY");

        Cli create = remote("cluster", "create", "pr-7-shop", "--backend", "hetzner", "--owner", "acme/shop#7", "--ttl", "1d",
                "--push", "github:acme/shop:E2E_KUBECONFIG", "--wait", "--timeout", "4m", "-o", "json");
        assertThat(create.exit()).as(create.err()).isZero();
        JsonNode ready = JSON.readTree(create.out());
        assertThat(ready.path("phase").asText()).isEqualTo("Ready");
        assertThat(ready.path("owner").path("repository").asText()).isEqualTo("acme/shop");
        // The progress lines came from the event stream: the claim's answer was Requested, the server stepped the rest.
        assertThat(create.err()).contains("Provisioning").contains("Bootstrapping").contains("Ready");
        assertThat(world.hetzner.servers()).hasSize(1);

        // Same output as a local run over the server's own store, in every format.
        for (String format : List.of("json", "yaml", "table")) {
            Cli remoteGet = remote("cluster", "get", "pr-7-shop", "-o", format);
            Cli localGet = local("cluster", "get", "pr-7-shop", "-o", format);
            assertThat(remoteGet.exit()).as(remoteGet.err()).isZero();
            assertThat(localGet.exit()).as(localGet.err()).isZero();
            assertThat(remoteGet.out()).as(format).isEqualTo(localGet.out());
        }
        Cli remoteList = remote("cluster", "list", "-o", "json");
        assertThat(remoteList.out()).isEqualTo(local("cluster", "list", "-o", "json").out());
        assertThat(remote("cluster", "list").out()).isEqualTo(local("cluster", "list").out());

        Path kubeconfig = client.resolve("kc.yaml");
        Cli kc = remote("cluster", "kubeconfig", "pr-7-shop", "--out", kubeconfig.toString());
        assertThat(kc.exit()).as(kc.err()).isZero();
        assertThat(Files.readString(kubeconfig)).isEqualTo(local("cluster", "kubeconfig", "pr-7-shop").out());
        assumeTrue(World.kubectl().isPresent(), "kubectl is not installed; it is the independent client this test checks the kubeconfig with");
        World.Run kubectl = world.kubectl("--kubeconfig", kubeconfig.toString(), "get", "--raw", SERVICE_ACCOUNTS);
        assertThat(kubectl.exit()).as("kubectl failed: %s", kubectl.stderr()).isZero();
        List<String> names = new ArrayList<>();
        JSON.readTree(kubectl.stdout()).path("items").forEach(i -> names.add(i.at("/metadata/name").asText()));
        assertThat(names).containsExactly("ephemera-ci");
        Files.delete(kubeconfig);

        Cli release = remote("cluster", "release", "pr-7-shop", "-o", "json");
        assertThat(release.exit()).as(release.err()).isZero();
        assertThat(JSON.readTree(release.out()).path("phase").asText()).isEqualTo("Releasing");
        eventually("the released cluster is deleted after the 2 s grace", Duration.ofMinutes(2), () -> phase("pr-7-shop").equals("Deleted"),
                () -> phase("pr-7-shop"));
        assertThat(world.hetzner.servers()).as("servers left").isEmpty();
        assertThat(world.github.repository(World.REPO).secret("E2E_KUBECONFIG")).as("GitHub secret left").isEmpty();

        assertThat(clientFiles()).as("client mode opens no local configuration, state or store").isEmpty();
    }

    @Test
    @DisplayName("a wrong or missing token exits 9 naming the server; an unknown cluster exits as locally; delete of a never-claimed id is 0")
    void tokensAndUnknownClusters() throws Exception {
        start();
        Cli wrong = run(clientEnv("not-the-token"), "cluster", "list");
        assertThat(wrong.exit()).isEqualTo(ExitCodes.AUTH);
        assertThat(wrong.err()).contains(base).contains("not one it accepts").doesNotContain("not-the-token");
        Cli none = run(clientEnv(null), "cluster", "create", "pr-8", "--backend", "hetzner");
        assertThat(none.exit()).isEqualTo(ExitCodes.AUTH);
        assertThat(none.err()).contains("EPHEMERA_TOKEN").contains("--token-file");
        assertThat(world.hetzner.requests()).as("nothing reached Hetzner").noneMatch(r -> r.startsWith("POST"));

        Path tokenFile = Files.writeString(client.resolve("token"), TOKEN + "\n");
        Map<String, String> fileOnly = clientEnv(null);
        fileOnly.remove("EPHEMERA_SERVER");
        Cli viaFile = run(fileOnly, "cluster", "list", "--server", base, "--token-file", tokenFile.toString(), "-o", "json");
        assertThat(viaFile.exit()).as(viaFile.err()).isZero();
        assertThat(viaFile.out().trim()).isEqualTo("[ ]");
        Files.delete(tokenFile);

        for (String[] args : List.of(new String[] {"cluster", "get", "pr-404"}, new String[] {"cluster", "release", "pr-404"},
                new String[] {"cluster", "renew", "pr-404"}, new String[] {"cluster", "kubeconfig", "pr-404"})) {
            Cli r = remote(args);
            Cli l = local(args);
            assertThat(l.exit()).as(String.join(" ", args) + " locally: " + l.err()).isEqualTo(ExitCodes.NOT_FOUND);
            assertThat(r.exit()).as(String.join(" ", args) + " remotely: " + r.err()).isEqualTo(l.exit());
            assertThat(r.err()).contains("pr-404");
        }
        Cli delete = remote("cluster", "delete", "pr-404");
        assertThat(delete.exit()).as(delete.err()).isZero();
        assertThat(delete.out()).isEqualTo(local("cluster", "delete", "pr-404").out()).contains("nothing to delete");

        Cli bad = remote("cluster", "create", "PR 8", "--backend", "hetzner");
        assertThat(bad.exit()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(clientFiles()).isEmpty();
    }

    @Test
    @DisplayName("pool create, allocate, list, capacity and release go through the API and print what a local run prints")
    void pools() throws Exception {
        start();
        Cli create = remote("pool", "create", "lab", "--range", "10.0.0.10-10.0.0.13", "--exclude", "10.0.0.11", "-o", "json");
        assertThat(create.exit()).as(create.err()).isZero();
        JsonNode created = JSON.readTree(create.out());
        assertThat(created.path("pool").asText()).isEqualTo("lab");
        assertThat(created.path("size").asInt()).isEqualTo(3);

        Cli first = remote("pool", "allocate", "pr-1", "--pool", "lab");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out().trim()).isEqualTo("10.0.0.10");
        assertThat(remote("pool", "allocate", "pr-1", "--pool", "lab").out().trim()).as("the same holder gets its own address back")
                .isEqualTo("10.0.0.10");
        assertThat(local("pool", "allocate", "pr-2", "--pool", "lab").out().trim()).isEqualTo("10.0.0.12");

        for (String format : List.of("json", "table")) {
            assertThat(remote("pool", "list", "--pool", "lab", "-o", format).out()).isEqualTo(local("pool", "list", "--pool", "lab", "-o", format).out());
            assertThat(remote("pool", "capacity", "--pool", "lab", "-o", format).out())
                    .isEqualTo(local("pool", "capacity", "--pool", "lab", "-o", format).out());
        }
        assertThat(JSON.readTree(remote("pool", "capacity", "--pool", "lab", "-o", "json").out()).path("free").asInt()).isEqualTo(1);

        Cli noPool = remote("pool", "list");
        assertThat(noPool.exit()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(noPool.err()).contains("--pool NAME").contains("EPHEMERA_POOLS_DEFAULT");
        Map<String, String> withDefault = clientEnv(TOKEN);
        withDefault.put("EPHEMERA_POOLS_DEFAULT", "lab");
        assertThat(run(withDefault, "pool", "capacity").out()).contains("leased: 2");

        Cli released = remote("pool", "release", "pr-1", "--pool", "lab");
        assertThat(released.exit()).as(released.err()).isZero();
        assertThat(released.out().trim()).isEqualTo("released 10.0.0.10 from pr-1");
        assertThat(remote("pool", "release", "pr-1", "--pool", "lab").out().trim()).isEqualTo("pr-1 held no address");
        Cli missing = remote("pool", "capacity", "--pool", "nope");
        assertThat(missing.exit()).isEqualTo(local("pool", "capacity", "--pool", "nope").exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(clientFiles()).isEmpty();
    }
}
