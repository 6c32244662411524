package dev.ephemera.adapters.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ephemera.testkit.fake.vault.FakeVault;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HashiCorp's own Python client (hvac, Debian package {@code python3-hvac}) against the fake:
 * what a real client sends must be accepted, and what the fake answers must be what the real
 * client expects of Vault — check-and-set refusal included.
 */
@DisplayName("hvac, the vendor's Python client, against the fake Vault")
class FakeVaultHvacTest {
    private static final String PYTHON = "/usr/bin/python3";

    @Test
    @DisplayName("logs in with AppRole, writes and reads with cas, and gets Vault's check-and-set error")
    void hvacAgreesWithTheFake(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(hvacInstalled(), "hvac is not installed: apt-get install -y python3-hvac (tests the fake against HashiCorp's client)");
        Path script = dir.resolve("hvac_probe.py");
        try (InputStream in = getClass().getResourceAsStream("/hvac/hvac_probe.py")) {
            Files.copy(in, script);
        }
        try (FakeVault vault = FakeVault.start()) {
            vault.policy("hvac", Map.of("secret/*", Set.of("read", "create", "update", "delete", "list")));
            vault.appRole("hvac", "role-hvac", "secret-hvac", Duration.ofMinutes(20), Duration.ofHours(1), "hvac");

            ProcessBuilder pb = new ProcessBuilder(PYTHON, script.toString());
            pb.environment().putAll(Map.of("VAULT_ADDR", vault.address().toString(), "VAULT_TOKEN", vault.rootToken(),
                    "ROLE_ID", "role-hvac", "SECRET_ID", "secret-hvac"));
            pb.environment().remove("VAULT_NAMESPACE");
            pb.redirectError(dir.resolve("stderr.txt").toFile());
            Process p = pb.start();
            String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("hvac probe failed: %s", Files.readString(dir.resolve("stderr.txt"))).isZero();

            JsonNode out = VaultHttp.JSON.readTree(stdout);
            assertThat(out.path("authenticated").asBoolean()).isTrue();
            assertThat(out.path("login_ttl").asInt()).isEqualTo(1200);
            assertThat(out.path("login_renewable").asBoolean()).isTrue();
            assertThat(out.path("created_version").asInt()).isEqualTo(1);
            assertThat(out.path("updated_version").asInt()).isEqualTo(2);
            assertThat(out.path("stale_cas").asText()).contains("check-and-set parameter did not match the current version");
            assertThat(out.path("read_data").path("leases").get(0).asText()).isEqualTo("10.0.0.1");
            assertThat(out.path("read_version").asInt()).isEqualTo(2);
            assertThat(out.path("list")).extracting(JsonNode::asText).containsExactly("pool");
            assertThat(out.path("current_version").asInt()).isEqualTo(2);
            assertThat(out.path("after_soft_delete").asText()).isEqualTo("404");
            assertThat(out.path("after_destroy").asText()).isEqualTo("404");
            assertThat(out.path("after_revoke").asText()).contains("permission denied");
            assertThat(vault.specViolations()).isEmpty();
            assertThat(vault.requests()).extracting(r -> r.method()).contains("LIST");
        }
    }

    private static boolean hvacInstalled() {
        try {
            Process p = new ProcessBuilder(List.of(PYTHON, "-c", "import hvac")).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
