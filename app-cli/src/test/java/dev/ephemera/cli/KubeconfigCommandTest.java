package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ephemera kubeconfig render}, fed with what {@code ephemera pki issue} wrote. */
class KubeconfigCommandTest {
    @TempDir
    Path state;
    private Path pki;

    @BeforeEach
    void issueBundle() {
        pki = state.resolve("pki");
        CliRun r = CliRun.run(state, "pki", "issue", "--cluster", "pr-42", "--san", "127.0.0.1", "--out", pki.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
    }

    private String file(String name) {
        return pki.resolve(name).toString();
    }

    private static String b64(Path p) throws Exception {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(p));
    }

    @Test
    @DisplayName("prints a client-certificate kubeconfig with the CA, certificate and key embedded")
    void clientCertificateUser() throws Exception {
        CliRun r = CliRun.run(state, "kubeconfig", "render", "--server", "https://127.0.0.1:6443", "--ca", file("ca.crt"),
                "--client-cert", file("admin.crt"), "--client-key", file("admin.key"), "--name", "pr-42", "--namespace", "ci");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("apiVersion: v1\nkind: Config\n")
                .contains("    server: \"https://127.0.0.1:6443\"\n")
                .contains("    certificate-authority-data: \"" + b64(pki.resolve("ca.crt")) + "\"\n")
                .contains("    client-certificate-data: \"" + b64(pki.resolve("admin.crt")) + "\"\n")
                .contains("    client-key-data: \"" + b64(pki.resolve("admin.key")) + "\"\n")
                .contains("    namespace: \"ci\"\n")
                .contains("current-context: \"pr-42\"\n");
        assertThat(r.err()).isEmpty();
    }

    @Test
    @DisplayName("-o json prints the same kubeconfig as JSON; yaml and table print YAML")
    void jsonOutput() throws Exception {
        String[] args = {"kubeconfig", "render", "--server", "https://127.0.0.1:6443", "--ca", file("ca.crt"),
            "--client-cert", file("admin.crt"), "--client-key", file("admin.key"), "--name", "pr-42"};
        CliRun yaml = CliRun.run(state, args);
        CliRun json = CliRun.run(state, Stream.concat(Stream.of(args), Stream.of("-o", "json")).toArray(String[]::new));
        assertThat(json.exitCode()).as(json.err()).isZero();
        com.fasterxml.jackson.databind.JsonNode fromJson = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
        com.fasterxml.jackson.databind.JsonNode fromYaml = new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(yaml.out());
        assertThat(json.out()).startsWith("{");
        assertThat(fromJson).isEqualTo(fromYaml);
        assertThat(fromJson.path("kind").asText()).isEqualTo("Config");
        assertThat(fromJson.at("/users/0/user/client-key-data").asText()).isEqualTo(b64(pki.resolve("admin.key")));
        assertThat(CliRun.run(state, Stream.concat(Stream.of(args), Stream.of("-o", "yaml")).toArray(String[]::new)).out()).isEqualTo(yaml.out());
    }

    @Test
    @DisplayName("kubectl config view reads the printed kubeconfig unchanged")
    void kubectlReadsIt() throws Exception {
        assumeTrue(onPath("kubectl"), "kubectl is not on PATH; install the Debian package 'kubernetes-client' to run this test");
        Path token = state.resolve("token");
        Files.writeString(token, "abc.def.ghi\n");
        CliRun r = CliRun.run(state, "kubeconfig", "render", "--server", "https://api.pr-42.example.com:6443", "--ca", file("ca.crt"),
                "--token-file", token.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        Path kubeconfig = state.resolve("kc.yaml");
        Files.writeString(kubeconfig, r.out());

        String view = run("kubectl", "config", "view", "--raw", "--kubeconfig", kubeconfig.toString(), "-o",
                "jsonpath={.current-context} {.users[0].user.token} {.clusters[0].cluster.server}");

        assertThat(view).isEqualTo("ephemera abc.def.ghi https://api.pr-42.example.com:6443");
    }

    @Test
    @DisplayName("a token file's final newline is dropped; a token with spaces or an empty file is refused")
    void tokenFile() throws Exception {
        Path token = state.resolve("token");
        Files.writeString(token, "abc.def\n");
        CliRun ok = CliRun.run(state, "kubeconfig", "render", "--server", "https://h:6443", "--ca", file("ca.crt"), "--token-file", token.toString());
        assertThat(ok.out()).contains("    token: \"abc.def\"\n");

        Files.writeString(token, "two words\n");
        CliRun spaced = CliRun.run(state, "kubeconfig", "render", "--server", "https://h:6443", "--ca", file("ca.crt"), "--token-file", token.toString());
        assertThat(spaced.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(spaced.err()).contains("one token on one line");
        assertThat(spaced.out()).isEmpty();

        Files.writeString(token, "\n");
        CliRun empty = CliRun.run(state, "kubeconfig", "render", "--server", "https://h:6443", "--ca", file("ca.crt"), "--token-file", token.toString());
        assertThat(empty.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(empty.err()).contains("is empty");
    }

    @Test
    @DisplayName("bad input gets a clear message, exit code 2 and no output")
    void badInput() throws Exception {
        Path token = state.resolve("token");
        Files.writeString(token, "t");
        List<List<String>> cases = List.of(
                List.of("--server", "http://h:6443", "--ca", file("ca.crt"), "--token-file", token.toString()),
                List.of("--server", "https://h:6443", "--ca", file("missing.crt"), "--token-file", token.toString()),
                List.of("--server", "https://h:6443", "--ca", file("admin.key"), "--token-file", token.toString()),
                List.of("--server", "https://h:6443", "--ca", file("ca.crt"), "--client-cert", file("admin.crt")),
                List.of("--server", "https://h:6443", "--ca", file("ca.crt"), "--client-cert", file("admin.crt"), "--client-key", file("admin.crt")),
                List.of("--server", "https://h:6443", "--ca", file("ca.crt"), "--token-file", token.toString(),
                        "--client-cert", file("admin.crt"), "--client-key", file("admin.key")),
                List.of("--server", "https://h:6443", "--ca", file("ca.crt")));
        List<String> messages = List.of("use an https URL", "does not exist", "holds no PEM certificate", "--client-key",
                "holds no PEM private key", "mutually exclusive", "Missing required");
        for (int i = 0; i < cases.size(); i++) {
            String[] args = Stream.concat(Stream.of("kubeconfig", "render"), cases.get(i).stream()).toArray(String[]::new);
            CliRun r = CliRun.run(state, args);
            assertThat(r.exitCode()).as("case %d: %s", i, r.err()).isEqualTo(ExitCodes.INVALID_INPUT);
            assertThat(r.err()).as("case %d", i).contains(messages.get(i));
            assertThat(r.out()).as("case %d", i).isEmpty();
        }
    }

    private String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return e.toString();
            }
        });
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command[0]).isTrue();
        assertThat(p.exitValue()).as(out.join()).isZero();
        return out.join();
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, tool)));
    }
}
