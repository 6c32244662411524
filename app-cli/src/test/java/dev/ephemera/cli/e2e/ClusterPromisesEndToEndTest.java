package dev.ephemera.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephemera.cli.EphemeraCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12's cluster promises against the fake Hetzner: re-claim, stuck deletions, honest waits, no crash hook in the shipped CLI. */
@DisplayName("cluster create/delete keep the README's promises")
class ClusterPromisesEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private World world;

    @AfterEach
    void stop() {
        if (world != null) {
            world.close();
        }
    }

    record Cli(int exit, String out, String err) {
    }

    private Cli ephemera(Map<String, String> extraEnv, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--config");
        all.add(world.config.toString());
        Map<String, String> env = new HashMap<>(world.env());
        env.putAll(extraEnv);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = EphemeraCli.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true), env, Optional.empty(), false);
        return new Cli(exit, out.toString(), err.toString());
    }

    private Cli ephemera(String... args) {
        return ephemera(Map.of(), args);
    }

    @Test
    @DisplayName("the shipped CLI installs no crash hook; a re-claim keeps its backend; --force ends a deletion only once the server is gone")
    void promises() throws Exception {
        world = World.start(dir);

        // Were the old environment hook still in the CLI, this JVM would halt after the first saved step.
        Cli create = ephemera(Map.of("EPHEMERA_TEST_HALT_AFTER_SAVES", "1"), "cluster", "create", "pr-7", "--wait", "--timeout", "3m", "-o", "json");
        assertThat(create.exit()).as(create.err()).isZero();
        assertThat(JSON.readTree(create.out()).path("phase").asText()).isEqualTo("Ready");

        // The default backend now names one that is not installed: a re-claim still uses the backend the cluster was created on.
        Cli again = ephemera(Map.of("EPHEMERA_BACKEND", "nosuch"), "cluster", "create", "pr-7", "-o", "json");
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(JSON.readTree(again.out()).path("backend").asText()).isEqualTo("hetzner");
        Cli fresh = ephemera(Map.of("EPHEMERA_BACKEND", "nosuch"), "cluster", "create", "pr-8");
        assertThat(fresh.exit()).isEqualTo(10);
        assertThat(fresh.err()).contains("installed: docker, hetzner").contains("--backend docker").contains("backend: docker");

        // Marked for deletion, the server still there: --force refuses and names what is left.
        assertThat(ephemera("cluster", "delete", "pr-7").exit()).isZero();
        Cli refused = ephemera("cluster", "delete", "pr-7", "--force");
        assertThat(refused.exit()).as(refused.err()).isEqualTo(4);
        assertThat(refused.err()).contains("still has resources on backend hetzner").contains("server");
        assertThat(world.hetzner.servers()).hasSize(1);

        // Claiming it while Deleting: the hint names commands that exist.
        Cli claim = ephemera("cluster", "create", "pr-7");
        assertThat(claim.exit()).isEqualTo(4);
        assertThat(claim.err()).contains("ephemera cluster delete pr-7 --wait").contains("then create it again");

        // The server goes behind Ephemera's back (as when the delete went through but the answer was lost): --force ends the record.
        long serverId = world.hetzner.servers().get(0).id();
        HttpResponse<String> deleted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(world.hetzner.apiUrl() + "/servers/" + serverId))
                .header("Authorization", "Bearer " + world.hetzner.token()).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode()).as(deleted.body()).isLessThan(300);
        world.hetzner.completeAllActions();
        assertThat(world.hetzner.servers()).isEmpty();
        Cli forced = ephemera("cluster", "delete", "pr-7", "--force", "-o", "json");
        assertThat(forced.exit()).as(forced.err()).isZero();
        JsonNode ended = JSON.readTree(forced.out());
        assertThat(ended.path("phase").asText()).isEqualTo("Deleted");
        assertThat(ended.path("timeline").toString()).contains("deletion forced");
        assertThat(world.fileSinkContents()).isEmpty();
        // Idempotent, and the id can be claimed afresh.
        assertThat(ephemera("cluster", "delete", "pr-7", "--force").exit()).isZero();
    }

    @Test
    @DisplayName("a --wait that runs out says to run the same command again, and nothing about the background")
    void waitTimeoutTellsTheTruth() throws Exception {
        // Hetzner answers 503 for a while, so the claim is still waiting for its server when --timeout runs out.
        world = World.start(dir);
        world.hetzner.failNext("GET", "/servers.*", "unavailable", 1_000);
        Cli create = ephemera("cluster", "create", "pr-9", "--wait", "--timeout", "1ms");
        assertThat(create.exit()).as(create.err()).isEqualTo(6);
        assertThat(create.err()).contains("run the same command again to keep waiting").doesNotContain("background");
    }
}
