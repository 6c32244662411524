package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.bootstrap.EphemeraConfig;
import dev.ephemera.server.ServerSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the README promises of the CLI and the configuration, tried as a new user would (issue 12). */
class CliPromisesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path state;

    @Test
    @DisplayName("input errors are exit 2 before the backend is looked up; --ttl must be positive")
    void inputFirst() {
        // The embedded default backend is not installed here: a typo must still be reported as a typo.
        for (String[] args : new String[][] {
            {"cluster", "create", "pr-1", "--ttl", "abc"},
            {"cluster", "create", "pr-1", "--ttl", "0s"},
            {"cluster", "create", "pr-1", "--ttl", "0"},
            {"cluster", "create", "pr-1", "--ttl", "-1h"},
            {"cluster", "create", "pr-1", "--owner", "notarepo"},
            {"cluster", "create", "pr-1", "--push", "nowhere"},
            {"cluster", "create", "pr-1", "--wait", "--timeout", "0s"},
            {"cluster", "create", "Not_An_Id"}}) {
            CliRun r = CliRun.run(state, args);
            assertThat(r.exitCode()).as("%s: %s", String.join(" ", args), r.err()).isEqualTo(ExitCodes.INVALID_INPUT);
        }
        assertThat(CliRun.run(state, "cluster", "create", "pr-1", "--ttl", "0s").err()).contains("--ttl must be a positive duration");
    }

    @Test
    @DisplayName("an unknown backend says how to choose one and lists the installed ones")
    void unknownBackend() {
        CliRun byDefault = CliRun.run(Map.of("EPHEMERA_BACKEND", "nosuch"), state, "cluster", "create", "pr-1");
        assertThat(byDefault.exitCode()).isEqualTo(ExitCodes.CONFIGURATION);
        assertThat(byDefault.err()).contains("'nosuch'").containsPattern("installed: [a-z, -]*\\bdocker\\b").containsPattern("installed: [a-z, -]*\\bhetzner\\b")
                .contains("--backend docker").contains("backend: docker").contains("ephemera.yaml");
        CliRun byFlag = CliRun.run(state, "cluster", "create", "pr-1", "--backend", "nosuch");
        assertThat(byFlag.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(byFlag.err()).contains("--backend docker");
        assertThat(CliRun.run(state, "cluster", "list").out()).contains("(none)");
    }

    @Test
    @DisplayName("deleting an id that was never claimed exits 0 and says there is nothing to delete; json prints null")
    void deleteNeverClaimed() throws Exception {
        CliRun table = CliRun.run(state, "cluster", "delete", "pr-404");
        assertThat(table.exitCode()).isZero();
        assertThat(table.out()).contains("nothing to delete").contains("pr-404");
        CliRun json = CliRun.run(state, "cluster", "delete", "pr-404", "--wait", "-o", "json");
        assertThat(json.exitCode()).isZero();
        assertThat(JSON.readTree(json.out()).isNull()).isTrue();
        assertThat(CliRun.run(state, "cluster", "delete", "pr-404", "--force").exitCode()).isZero();
        assertThat(CliRun.run(state, "cluster", "delete", "Bad_Id").exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    }

    @Test
    @DisplayName("a bad configuration value is one error line and exit 10, with no Guice stack trace and no doubled prefix")
    void badValueIsOneLine() throws Exception {
        Path cfg = Files.writeString(state.resolve("bad.yaml"), "policies:\n  grace: forever\n");
        PrintStream realErr = System.err;
        ByteArrayOutputStream jul = new ByteArrayOutputStream();
        CliRun r;
        System.setErr(new PrintStream(jul, true, StandardCharsets.UTF_8));
        try {
            r = CliRun.run(state, "cluster", "list", "--config", cfg.toString());
        } finally {
            System.setErr(realErr);
        }
        assertThat(r.exitCode()).isEqualTo(ExitCodes.CONFIGURATION);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).startsWith("error: policies.grace: duration 'forever' is invalid").doesNotContain("policies: policies");
        assertThat(jul.toString(StandardCharsets.UTF_8)).doesNotContain("com.google.inject").doesNotContain("\tat ");
    }

    @Test
    @DisplayName("a message that starts with 'Error:' itself is printed with one prefix")
    void oneErrorPrefix() {
        assertThat(EphemeraCli.message(new IllegalStateException("Error: boom"))).isEqualTo("boom");
        assertThat(EphemeraCli.message(new IllegalStateException("plain"))).isEqualTo("plain");
    }

    @Test
    @DisplayName("a misspelt EPHEMERA_ override is refused like an unknown key, with the known ones listed; non-setting variables pass")
    void misspeltOverride() {
        CliRun r = CliRun.run(Map.of("EPHEMERA_POLICIES_MAX_LIFETIM", "1d"), state, "cluster", "list");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.CONFIGURATION);
        assertThat(r.err()).contains("EPHEMERA_POLICIES_MAX_LIFETIM").contains("EPHEMERA_POLICIES_MAX_LIFETIME");
        // pki issue reads the configuration and is no client of a server, so EPHEMERA_SERVER does not send it anywhere.
        CliRun fine = CliRun.run(Map.of("EPHEMERA_POLICIES_MAX_LIFETIME", "1d", "EPHEMERA_LOG_LEVEL", "warn", "EPHEMERA_DEBUG", "1",
                "EPHEMERA_SERVER", "http://127.0.0.1:1", "EPHEMERA_TOKEN", "t", "EPHEMERA_TEST_ANYTHING", "x"), state,
                "pki", "issue", "--cluster", "pr-1", "--san", "10.0.0.1", "--out", state.resolve("pki").toString());
        assertThat(fine.exitCode()).as(fine.err()).isZero();
    }

    @Test
    @DisplayName("the configuration is found in $XDG_CONFIG_HOME/ephemera/config.yaml")
    void xdgConfigHome() throws Exception {
        Path xdg = Files.createDirectories(state.resolve("xdg/ephemera"));
        Files.writeString(xdg.resolve("config.yaml"), "policies:\n  grace: forever\n");
        CliRun r = CliRun.run(Map.of("XDG_CONFIG_HOME", state.resolve("xdg").toString()), state, "cluster", "list");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.CONFIGURATION);
        assertThat(r.err()).contains("forever");
    }

    @Test
    @DisplayName("server.reap-interval: 0 turns the reaper off, as the README shows")
    void reapIntervalZero() throws Exception {
        Path cfg = Files.writeString(state.resolve("c.yaml"), "server:\n  reap-interval: 0\n");
        EphemeraConfig c = new ConfigLoader(AdapterRegistry.discover()).load(new ConfigLoader.Request(Optional.of(cfg), Map.of(), state, state));
        assertThat(ServerSettings.from(c.section("server")).reapInterval()).isEqualTo(Duration.ZERO);
    }

    @Test
    @DisplayName("server --port 99999 is invalid input (exit 2); an address not on this machine is named as such")
    void serverInput() {
        CliRun port = CliRun.run(state, "server", "--port", "99999");
        assertThat(port.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(port.err()).contains("--port must be 0-65535");
        // 192.0.2.1 (TEST-NET-1) is on no machine: binding fails locally, no packet leaves.
        CliRun host = CliRun.run(state, "server", "--host", "192.0.2.1", "--port", "0");
        assertThat(host.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(host.err()).contains("not an address of this machine").doesNotContain("another process");
    }

    @Test
    @DisplayName("version prints the Java version too; backends shows each setting's default")
    void versionAndBackends() {
        CliRun v = CliRun.run(state, "version");
        assertThat(v.out()).contains("java " + System.getProperty("java.version"));
        CliRun b = CliRun.run(state, "backends");
        assertThat(b.out()).contains("busy-timeout=10s");
    }

    @Test
    @DisplayName("a --wait that needs a kubeconfig honours --timeout (exit 6)")
    void verifyTimeout() throws Exception {
        // A kubeconfig for an API server that is not there: the first check keeps retrying; --timeout ends it.
        Path kc = Files.writeString(state.resolve("kc.yaml"), """
                apiVersion: v1
                kind: Config
                clusters:
                - name: c
                  cluster:
                    server: https://127.0.0.1:1
                users:
                - name: u
                  user:
                    token: t
                contexts:
                - name: c
                  context: {cluster: c, user: u}
                current-context: c
                """);
        long start = System.nanoTime();
        CliRun r = CliRun.run(state, "verify", "--name", "shop", "--namespace", "ns", "--checksum", "1", "--wait", "--timeout", "2s",
                "--kubeconfig", kc.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCodes.TIMEOUT);
        assertThat(r.err()).contains("--timeout 2s");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    }
}
