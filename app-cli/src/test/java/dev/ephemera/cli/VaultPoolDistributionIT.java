package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ephemera.testkit.fake.vault.FakeVault;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6: the packaged CLI with {@code store: vault}, 8 separate processes allocating at once
 * from one pool in the testkit's fake Vault (AppRole login, KV version 2 check-and-set).
 * Written by the Vault helper; lives here because it needs the distribution.
 */
class VaultPoolDistributionIT {
    private static final int PROCESSES = 8;
    private static final int POOL_SIZE = 6;

    @TempDir
    Path state;

    private static Path launcher() {
        Path bin = Path.of(System.getProperty("ephemera.distribution", "target/ephemera")).resolve("bin/ephemera");
        assumeTrue(Files.isExecutable(bin), "the distribution is built by `package`; run with mvn verify");
        return bin;
    }

    private ProcessBuilder ephemera(Path config, String... args) {
        List<String> cmd = new ArrayList<>(List.of(launcher().toString()));
        cmd.addAll(List.of(args));
        cmd.add("--config");
        cmd.add(config.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("XDG_STATE_HOME", state.toString());
        pb.environment().put("HOME", state.resolve("home").toString());
        pb.environment().put("VAULT_SECRET_ID", "ci-secret");
        pb.environment().remove("EPHEMERA_CONFIG");
        pb.directory(state.toFile());
        return pb;
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void eightCliProcessesOnAVaultPoolGetDistinctAddressesOrACleanRefusal() throws Exception {
        launcher();
        try (FakeVault vault = FakeVault.start()) {
            vault.policy("ephemera", "secret/*", "read", "create", "update", "list");
            vault.appRole("ephemera", "ci-role", "ci-secret", Duration.ofHours(1), Duration.ofHours(4), "ephemera");
            Path config = state.resolve("ephemera.yaml");
            Files.writeString(config, "store: vault\nvault:\n  address: " + vault.address() + "\n  auth: approle\n"
                    + "  role-id: ci-role\n  secret-id: env:VAULT_SECRET_ID\n");

            Process create = ephemera(config, "pool", "create", "lab", "--range", "10.70.0.1-10.70.0." + POOL_SIZE).start();
            CompletableFuture<String> createErr = CompletableFuture.supplyAsync(() -> read(create.getErrorStream()));
            read(create.getInputStream());
            assertThat(create.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(create.exitValue()).as(createErr.get()).isZero();

            List<Process> procs = new ArrayList<>();
            for (int i = 0; i < PROCESSES; i++) {
                procs.add(ephemera(config, "pool", "allocate", "ci-job-" + i, "--pool", "lab").start());
            }
            Set<String> addresses = new HashSet<>();
            int ok = 0;
            int exhausted = 0;
            for (Process p : procs) {
                CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
                CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
                assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
                if (p.exitValue() == 0) {
                    ok++;
                    assertThat(addresses.add(out.get().trim())).as("address handed out twice: %s", out.get()).isTrue();
                } else {
                    assertThat(p.exitValue()).as(err.get()).isEqualTo(ExitCodes.POOL_EXHAUSTED);
                    assertThat(err.get()).contains("exhausted");
                    exhausted++;
                }
            }
            assertThat(ok).isEqualTo(POOL_SIZE);
            assertThat(exhausted).isEqualTo(PROCESSES - POOL_SIZE);
            assertThat(addresses).allMatch(a -> a.matches("10\\.70\\.0\\.\\d+"));

            JsonNode stored = vault.read("secret", "ephemera/pools/lab").orElseThrow();
            Set<String> inVault = new HashSet<>();
            stored.path("leases").forEach(l -> inVault.add(l.path("address").asText()));
            assertThat(inVault).isEqualTo(addresses);
            assertThat(vault.specViolations()).isEmpty();
        }
    }
}
