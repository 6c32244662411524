package dev.ephemera.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7's crash safety with the packaged distribution as real processes: {@code cluster create
 * --wait} killed right after the reconciler's N-th saved step (run through the test launcher {@link HaltingCli}
 * on the distribution's {@code lib/}, which halts the JVM like {@code kill -9}), then run again plainly with {@code bin/ephemera}, must reach Ready with exactly
 * one server, for every N up to the number of steps a claim takes. The fakes live in this JVM;
 * each N gets a fresh set of them.
 */
@DisplayName("cluster create killed after each saved step, then run again")
class CrashSafetyIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String ID = "pr-42-shop";
    /** A claim on hetzner saves fewer steps than this; the loop stops at the first run that is not halted. */
    private static final int MOST_STEPS = 20;

    @TempDir
    Path dir;

    private static Path launcher() {
        Path bin = Path.of(System.getProperty("ephemera.distribution", "target/ephemera")).resolve("bin/ephemera");
        assumeTrue(Files.isExecutable(bin), "the distribution is built by `package`; run with mvn verify");
        return bin;
    }

    record Result(int code, String out, String err) {
    }

    private Result ephemera(World world, Map<String, String> extraEnv, String... args) throws Exception {
        return run(world, extraEnv, new ArrayList<>(List.of(launcher().toString())), args);
    }

    /** The same command in a JVM started by {@link HaltingCli}, which halts after the N-th saved step. */
    private Result halting(World world, int n, String... args) throws Exception {
        Path home = launcher().getParent().getParent();
        Path testClasses = Path.of(HaltingCli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dephemera.home=" + home, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", home.resolve("lib") + "/*" + java.io.File.pathSeparator + testClasses,
                HaltingCli.class.getName(), Integer.toString(n)));
        return run(world, Map.of(), cmd, args);
    }

    private Result run(World world, Map<String, String> extraEnv, List<String> cmd, String... args) throws Exception {
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--config", world.config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(world.dir.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("EPHEMERA_"));
        pb.environment().putAll(world.env());
        pb.environment().putAll(extraEnv);
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("ephemera " + String.join(" ", args) + " did not finish within 5 minutes");
        }
        return new Result(p.exitValue(), out.get(), err.get());
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static final String[] CREATE = {"cluster", "create", ID, "--backend", "hetzner", "--owner", "acme/shop#42", "--wait", "--timeout", "4m",
                "--kubeconfig-out", "kc.yaml", "--push", "github:acme/shop:E2E_KUBECONFIG", "--output", "json"};

    @Test
    @DisplayName("converges to Ready with exactly one server, whichever saved step the first process died after")
    void convergesAfterACrashAtEachSavedStep() throws Exception {
        launcher();
        List<String> haltedAfter = new ArrayList<>();
        int n = 1;
        for (; n <= MOST_STEPS; n++) {
            Path worldDir = Files.createDirectories(dir.resolve("halt-after-" + n));
            try (World world = World.start(worldDir)) {
                Result first = halting(world, n, CREATE);
                if (first.code() == 0) {
                    // The claim took fewer than n saves: every step has been crashed after once.
                    assertThat(JSON.readTree(first.out()).path("phase").asText()).isEqualTo("Ready");
                    assertThat(world.hetzner.servers()).hasSize(1);
                    break;
                }
                assertThat(first.code()).as("exit code of the halted run; stderr: %s", first.err()).isEqualTo(137);
                assertThat(first.err()).contains("halting after save " + n);
                haltedAfter.add(first.err().replaceAll("(?s).*halting after save " + n + " \\(([^)]*)\\).*", "$1"));

                Result second = ephemera(world, Map.of(), CREATE);

                assertThat(second.code()).as("run after a halt after save %d; stderr: %s", n, second.err()).isZero();
                assertThat(JSON.readTree(second.out()).path("phase").asText()).isEqualTo("Ready");
                assertThat(world.hetzner.servers()).as("servers after a halt after save %d", n).hasSize(1);
                assertThat(world.hetzner.primaryIps()).isEmpty();
                assertThat(world.hetzner.violations()).isEmpty();
                JsonNode kubeconfig = YAML.readTree(world.dir.resolve("kc.yaml").toFile());
                assertThat(world.tokens.tokens).hasSize(1);
                assertThat(kubeconfig.at("/users/0/user/token").asText()).isEqualTo(world.tokens.tokens.get(0));
                String written = Files.readString(world.dir.resolve("kc.yaml"));
                assertThat(world.github.repository(World.REPO).secret("E2E_KUBECONFIG"))
                        .hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo(written));
                assertThat(world.github.violations()).isEmpty();
            }
        }
        System.out.println("halted after saves 1.." + haltedAfter.size() + ", in phases: " + String.join(", ", haltedAfter));
        assertThat(n).as("the claim never ran to the end without a halt").isLessThanOrEqualTo(MOST_STEPS);
        // Requested → (PKI stored) → Provisioning → (server created) → Bootstrapping → Ready: each of them crashed after once.
        assertThat(haltedAfter).hasSizeGreaterThanOrEqualTo(4).contains("Provisioning", "Bootstrapping", "Ready");
    }
}
