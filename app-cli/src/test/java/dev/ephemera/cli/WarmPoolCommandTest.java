package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ephemera warm-pool} over a configured pool; nothing here calls the backend (no member is made without fill). */
class WarmPoolCommandTest {
    @TempDir
    Path state;

    private Map<String, String> env(String yaml) throws Exception {
        Path cfg = state.resolve("ephemera.yaml");
        Files.writeString(cfg, yaml);
        Map<String, String> env = new HashMap<>(Map.of("EPHEMERA_HETZNER_TOKEN", "env:TEST_HCLOUD_TOKEN", "TEST_HCLOUD_TOKEN", "not-a-real-token"));
        env.put("EPHEMERA_CONFIG", cfg.toString());
        return env;
    }

    @Test
    @DisplayName("list and show print the configured pools and their counts; an unknown pool is exit NOT_FOUND naming the configured ones")
    void listAndShow() throws Exception {
        Map<String, String> env = env("warm-pools:\n  ci:\n    backend: hetzner\n    size: 2\n    spec:\n      size: cpx31\n");
        CliRun list = CliRun.run(env, state, "warm-pool", "list", "-o", "json");
        assertThat(list.exitCode()).as(list.err()).isZero();
        JsonNode pools = new ObjectMapper().readTree(list.out());
        assertThat(pools).hasSize(1);
        assertThat(pools.get(0).path("name").asText()).isEqualTo("ci");
        assertThat(pools.get(0).path("wanted").asInt()).isEqualTo(2);
        assertThat(pools.get(0).path("size").asText()).isEqualTo("cpx31");
        assertThat(pools.get(0).path("ready").asInt()).isZero();

        CliRun show = CliRun.run(env, state, "warm-pool", "show", "ci");
        assertThat(show.exitCode()).as(show.err()).isZero();
        assertThat(show.out()).contains("ci").contains("hetzner").contains("fallback");

        CliRun unknown = CliRun.run(env, state, "warm-pool", "show", "nope");
        assertThat(unknown.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(unknown.err()).contains("configured: ci");

        CliRun claim = CliRun.run(env, state, "cluster", "create", "pr-1", "--from-pool", "nope");
        assertThat(claim.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(CliRun.run(env, state, "cluster", "get", "pr-1").exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    @DisplayName("a bad warm pool setting is a configuration error of one line; fill without pools says how to add one")
    void badConfiguration() throws Exception {
        CliRun bad = CliRun.run(env("warm-pools:\n  ci:\n    sise: 2\n"), state, "warm-pool", "list");
        assertThat(bad.exitCode()).isEqualTo(ExitCodes.CONFIGURATION);
        assertThat(bad.err().strip()).contains("warm-pools.ci.sise").doesNotContain("\n");
        CliRun none = CliRun.run(env("backend: hetzner\n"), state, "warm-pool", "fill");
        assertThat(none.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(none.err()).contains("warm-pools:");
    }
}
