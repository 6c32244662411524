package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One JSON/YAML shape for a cluster, whichever command prints it (docs/clusters.md). */
class ClusterShapeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** A claim without --wait is only recorded: the backend is configured but never called. */
    private static final Map<String, String> HETZNER = Map.of("EPHEMERA_HETZNER_TOKEN", "env:TEST_HCLOUD_TOKEN",
            "TEST_HCLOUD_TOKEN", "not-a-real-token");

    @TempDir
    Path state;

    @Test
    @DisplayName("create, get, list, release and delete print a cluster in the same documented shape")
    void everyCommandPrintsTheSameShape() throws Exception {
        CliRun create = CliRun.run(HETZNER, state, "cluster", "create", "pr-1", "--backend", "hetzner", "--owner", "acme/shop#1", "-o", "json");
        assertThat(create.exitCode()).as(create.err()).isZero();
        JsonNode created = JSON.readTree(create.out());
        JsonNode got = JSON.readTree(CliRun.run(HETZNER, state, "cluster", "get", "pr-1", "-o", "json").out());
        JsonNode listed = JSON.readTree(CliRun.run(HETZNER, state, "cluster", "list", "-o", "json").out()).get(0);
        JsonNode yaml = YAML.readTree(CliRun.run(HETZNER, state, "cluster", "get", "pr-1", "-o", "yaml").out());

        List<String> documented = List.of("id", "phase", "backend", "owner", "spec", "endpoint", "lease", "backendId", "createdAt",
                "phaseSince", "readyAt", "expiresAt", "deleteAfter", "failureReason", "keepOnFailure", "pushTo", "timeline", "heartbeat", "renewBy",
                "version");
        for (JsonNode n : List.of(created, got, listed, yaml)) {
            assertThat(fields(n)).containsExactlyElementsOf(documented);
            assertThat(n.path("id").asText()).isEqualTo("pr-1");
            assertThat(n.path("phase").asText()).isEqualTo("Requested");
            assertThat(n.path("owner").path("repository").asText()).isEqualTo("acme/shop");
            assertThat(n.path("owner").path("pullRequest").asInt()).isEqualTo(1);
            assertThat(n.path("endpoint").isNull()).isTrue();
        }
        assertThat(got).isEqualTo(listed);

        JsonNode deleted = JSON.readTree(CliRun.run(HETZNER, state, "cluster", "delete", "pr-1", "-o", "json").out());
        assertThat(fields(deleted)).containsExactlyElementsOf(documented);
        assertThat(deleted.path("phase").asText()).isEqualTo("Deleting");
    }

    @Test
    @DisplayName("a claim with --heartbeat shows when it must be renewed, and cluster renew moves that on")
    void heartbeatAndRenew() throws Exception {
        CliRun bad = CliRun.run(HETZNER, state, "cluster", "create", "pr-2", "--backend", "hetzner", "--heartbeat", "0s");
        assertThat(bad.exitCode()).as(bad.err()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(CliRun.run(HETZNER, state, "cluster", "list", "-o", "json").out().trim()).isEqualTo("[ ]");

        CliRun create = CliRun.run(HETZNER, state, "cluster", "create", "pr-2", "--backend", "hetzner", "--heartbeat", "10m", "-o", "json");
        assertThat(create.exitCode()).as(create.err()).isZero();
        JsonNode created = JSON.readTree(create.out());
        assertThat(created.path("heartbeat").asText()).isNotEmpty();
        java.time.Instant renewBy = java.time.Instant.parse(created.path("renewBy").asText());

        CliRun renew = CliRun.run(HETZNER, state, "cluster", "renew", "pr-2", "-o", "json");
        assertThat(renew.exitCode()).as(renew.err()).isZero();
        assertThat(java.time.Instant.parse(JSON.readTree(renew.out()).path("renewBy").asText())).isAfterOrEqualTo(renewBy);

        assertThat(CliRun.run(HETZNER, state, "cluster", "renew", "pr-404").exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    private static List<String> fields(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
