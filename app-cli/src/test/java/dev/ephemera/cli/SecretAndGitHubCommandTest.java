package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.testkit.fake.github.FakeGitHub;
import dev.ephemera.testkit.fake.github.Fault;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ephemera secret push} and {@code ephemera github comment|status} against the fake GitHub, run in-process. */
@DisplayName("ephemera secret and ephemera github")
class SecretAndGitHubCommandTest {
    private static final String KUBECONFIG = "apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    token: very-secret-token\n";

    @TempDir
    Path state;
    private FakeGitHub fake;
    private Path kubeconfig;

    @BeforeEach
    void start() throws Exception {
        fake = FakeGitHub.start();
        fake.install("acme", "acme/shop");
        fake.repository("acme/shop").addPullRequest(42);
        kubeconfig = state.resolve("kc.yaml");
        Files.writeString(kubeconfig, KUBECONFIG);
    }

    @AfterEach
    void stop() {
        assertThat(fake.violations()).isEmpty();
        fake.close();
    }

    /** The GitHub App from the environment, the key from a file, as a CI job would set it up. */
    private Map<String, String> appEnv() throws Exception {
        Path pem = state.resolve("app.pem");
        Files.writeString(pem, fake.app().privateKeyPkcs1Pem());
        Map<String, String> env = new HashMap<>();
        env.put("EPHEMERA_GITHUB_API_URL", fake.baseUrl());
        env.put("EPHEMERA_GITHUB_APP_ID", String.valueOf(fake.app().id()));
        env.put("EPHEMERA_GITHUB_PRIVATE_KEY", "file:" + pem);
        return env;
    }

    @Test
    @DisplayName("secret push --to github writes the Actions secret, and never prints the value")
    void pushToGitHub() throws Exception {
        CliRun r = CliRun.run(appEnv(), state, "secret", "push", "--to", "github", "--repo", "acme/shop", "--name", "E2E_KUBECONFIG",
                "--from-file", kubeconfig.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(fake.repository("acme/shop").secret("E2E_KUBECONFIG"))
                .hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo(KUBECONFIG));
        assertThat(r.out() + r.err()).doesNotContain("very-secret-token");
    }

    @Test
    @DisplayName("secret push --environment writes an environment secret, creating the environment")
    void pushToEnvironment() throws Exception {
        CliRun r = CliRun.run(appEnv(), state, "secret", "push", "--to", "github", "--repo", "acme/shop", "--environment", "pr-42",
                "--name", "E2E_KUBECONFIG", "--from-file", kubeconfig.toString(), "--output", "json");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"environment\" : \"pr-42\"");
        assertThat(fake.repository("acme/shop").environmentSecret("pr-42", "E2E_KUBECONFIG")).isPresent();
    }

    @Test
    @DisplayName("secret push --to file uses the file sink, and delete removes it")
    void pushToFile() {
        CliRun r = CliRun.run(state, "secret", "push", "--to", "file", "--scope", "acme", "--name", "E2E_KUBECONFIG",
                "--from-file", kubeconfig.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(state.resolve("ephemera/secrets/acme/E2E_KUBECONFIG")).hasContent(KUBECONFIG);
        assertThat(CliRun.run(state, "secret", "delete", "--to", "file", "--scope", "acme", "--name", "E2E_KUBECONFIG").exitCode()).isZero();
        assertThat(state.resolve("ephemera/secrets/acme/E2E_KUBECONFIG")).doesNotExist();
    }

    @Test
    @DisplayName("bad input gets exit code 2 and writes nothing; an unknown sink is a configuration error")
    void badInput() throws Exception {
        CliRun badName = CliRun.run(appEnv(), state, "secret", "push", "--to", "github", "--repo", "acme/shop", "--name", "GITHUB_X",
                "--from-file", kubeconfig.toString());
        assertThat(badName.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(badName.err()).contains("GITHUB_");

        CliRun missing = CliRun.run(appEnv(), state, "secret", "push", "--to", "github", "--repo", "acme/shop", "--name", "X",
                "--from-file", state.resolve("nope").toString());
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);

        CliRun unknown = CliRun.run(state, "secret", "push", "--to", "s3", "--name", "X", "--from-file", kubeconfig.toString());
        assertThat(unknown.exitCode()).isEqualTo(ExitCodes.CONFIGURATION);
        assertThat(unknown.err()).contains("s3").contains("github").contains("file");

        assertThat(fake.requests()).isEmpty();
    }

    @Test
    @DisplayName("a refused App fails with exit code 9, naming the app id and the installation")
    void unauthorized() throws Exception {
        fake.inject("GET", ".*/public-key", Fault.unauthorized(), 1);

        CliRun r = CliRun.run(appEnv(), state, "secret", "push", "--to", "github", "--repo", "acme/shop", "--name", "E2E_KUBECONFIG",
                "--from-file", kubeconfig.toString());

        assertThat(r.exitCode()).isEqualTo(ExitCodes.AUTH);
        assertThat(r.err()).contains("GitHub App " + fake.app().id()).contains("installation ");
    }

    @Test
    @DisplayName("github comment keeps one comment however often it runs")
    void comment() throws Exception {
        Path body = state.resolve("report.md");
        Map<String, String> env = appEnv();
        String[] results = new String[3];
        for (int i = 0; i < 3; i++) {
            Files.writeString(body, "## Cluster report\nrun " + i + "\n");
            CliRun r = CliRun.run(env, state, "github", "comment", "--repo", "acme/shop", "--pr", "42", "--marker", "ephemera-report",
                    "--body-file", body.toString(), "-o", "json");
            assertThat(r.exitCode()).as(r.err()).isZero();
            results[i] = r.out();
        }

        assertThat(fake.repository("acme/shop").comments(42)).singleElement().satisfies(c -> assertThat(c.body()).endsWith("run 2\n"));
        assertThat(results[0]).contains("\"result\" : \"created\"");
        assertThat(results[2]).contains("\"result\" : \"updated\"");
    }

    @Test
    @DisplayName("github status sets a commit status, and refuses an unknown state")
    void status() throws Exception {
        String sha = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
        CliRun r = CliRun.run(appEnv(), state, "github", "status", "--repo", "acme/shop", "--sha", sha, "--state", "success",
                "--context", "ephemera/e2e", "--description", "all green");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(fake.repository("acme/shop").statuses()).singleElement().satisfies(s -> assertThat(s.state()).isEqualTo("success"));

        CliRun bad = CliRun.run(appEnv(), state, "github", "status", "--repo", "acme/shop", "--sha", sha, "--state", "green");
        assertThat(bad.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    }
}
