package dev.ephemera.adapters.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.testkit.fake.vault.FakeVault;
import dev.ephemera.testkit.fake.vault.MutableClock;
import dev.ephemera.testkit.fake.vault.RecordedRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The Vault KV v2 client")
class VaultClientTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2025-03-01T10:00:00Z"));
    private FakeVault vault;

    @BeforeEach
    void start() {
        vault = FakeVault.builder().clock(clock).start();
    }

    @AfterEach
    void stop() {
        try {
            assertThat(vault.specViolations()).isEmpty();
        } finally {
            vault.close();
        }
    }

    private static ObjectNode data(String k, String v) {
        ObjectNode n = VaultHttp.JSON.createObjectNode();
        n.put(k, v);
        return n;
    }

    @Nested
    @DisplayName("reads and writes")
    class ReadsAndWrites {
        @Test
        @DisplayName("tells a key that never existed from one whose current version was deleted")
        void tellsAbsentFromDeleted() {
            VaultClient c = TestVaults.client(vault);
            assertThat(c.read("a/b")).isInstanceOf(VaultClient.Absent.class);

            c.write("a/b", data("x", "1"), OptionalLong.of(0));
            c.write("a/b", data("x", "2"), OptionalLong.of(1));
            assertThat(c.read("a/b")).isEqualTo(new VaultClient.Found(data("x", "2"), 2));

            c.destroyVersions("a/b", java.util.List.of(2L));
            assertThat(c.read("a/b")).isEqualTo(new VaultClient.Gone(2, true));
            c.destroyAll("a/b");
            assertThat(c.read("a/b")).isInstanceOf(VaultClient.Absent.class);
        }

        @Test
        @DisplayName("a check-and-set mismatch is its own result; any other 400 is an INVALID error")
        void casMismatchIsToldApart() {
            VaultClient c = TestVaults.client(vault);
            c.write("k", data("x", "1"), OptionalLong.of(0));

            assertThat(c.write("k", data("x", "2"), OptionalLong.of(0))).isInstanceOf(VaultClient.CasMismatch.class);

            vault.faults().failBeforeApplying(1, RecordedRequest.writesTo("secret/data/k"), 400, "1 error occurred:\n\t* something else\n\n");
            assertThatThrownBy(() -> c.write("k", data("x", "2"), OptionalLong.of(1)))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID))
                    .hasMessageContaining("something else");
        }

        @Test
        @DisplayName("lists keys and folders, and nothing for an empty folder")
        void lists() {
            VaultClient c = TestVaults.client(vault);
            c.write("f/one", data("x", "1"), OptionalLong.empty());
            c.write("f/sub/two", data("x", "1"), OptionalLong.empty());

            assertThat(c.list("f")).containsExactly("one", "sub/");
            assertThat(c.list("nothing")).isEmpty();
        }

        @Test
        @DisplayName("works inside a namespace, sending X-Vault-Namespace on every request")
        void namespace() {
            vault.mountKv("team-a", "kv", 2);
            Map<String, Object> section = TestVaults.section(vault);
            section.put("namespace", "team-a");
            section.put("mount", "kv");
            VaultClient c = TestVaults.client(section, clock);

            c.write("k", data("x", "1"), OptionalLong.of(0));

            assertThat(vault.read("team-a", "kv", "k")).isPresent();
            assertThat(vault.requests()).filteredOn(r -> r.path().startsWith("kv/"))
                    .isNotEmpty().allSatisfy(r -> assertThat(r.namespace()).contains("team-a"));
        }
    }

    @Nested
    @DisplayName("at first use (a fixed token and the mount are not checked ahead of the work)")
    class AtStart {
        @Test
        @DisplayName("a pool read and a check-and-set write with a fixed token are exactly 2 requests, like the curl script")
        void twoRequestsForAReadAndAWrite() {
            TestVaults.client(vault).write("pools/lab", data("x", "0"), OptionalLong.of(0));
            long before = vault.requestCount();
            VaultClient c = TestVaults.client(vault);
            VaultClient.Found f = (VaultClient.Found) c.read("pools/lab");
            assertThat(c.write("pools/lab", data("x", "1"), OptionalLong.of(f.version()))).isEqualTo(new VaultClient.Written(2));

            assertThat(vault.requests().subList((int) before, vault.requests().size())).extracting(r -> r.method() + " " + r.path())
                    .containsExactly("GET secret/data/pools/lab", "POST secret/data/pools/lab");
            assertThat(c.mountChecks()).isZero();
        }

        @Test
        @DisplayName("a fixed token's lifetime is looked up once it has been in use a while, and a renewable one is then renewed")
        void fixedTokenLookedUpLater() {
            vault.policy("pools", "secret/*", "read", "create", "update", "list");
            String token = vault.createToken(Duration.ofMinutes(3), Duration.ofHours(1), true, "default", "pools");
            Map<String, Object> section = TestVaults.section(vault);
            section.put("token", token);
            VaultClient c = TestVaults.client(section, clock);
            c.read("k");
            assertThat(vault.requests()).noneSatisfy(r -> assertThat(r.path()).isEqualTo("auth/token/lookup-self"));

            clock.advance(VaultSession.FIXED_TOKEN_LOOKUP_AFTER.plusSeconds(1));
            c.read("k");
            assertThat(vault.requests()).anySatisfy(r -> assertThat(r.path()).isEqualTo("auth/token/lookup-self"));
            clock.advance(Duration.ofMinutes(2)); // past two thirds of the 3 minutes looked up
            c.read("k");
            assertThat(c.session().renewals()).isEqualTo(1);
        }

        @Test
        @DisplayName("refuses a KV version 1 mount, where check-and-set would silently do nothing, at the first write")
        void refusesKvV1() {
            vault.mountKv("old", 1);
            Map<String, Object> section = TestVaults.section(vault);
            section.put("mount", "old");

            VaultClient c = TestVaults.client(section, clock);
            assertThat(c.read("k")).isInstanceOf(VaultClient.Absent.class);
            assertThatThrownBy(() -> c.write("k", data("x", "1"), OptionalLong.of(0)))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                    .hasMessageContaining("KV version 1").hasMessageContaining("check-and-set is silently ignored");
        }

        @Test
        @DisplayName("refuses a mount that does not exist, at the first request")
        void refusesMissingMount() {
            Map<String, Object> section = TestVaults.section(vault);
            section.put("mount", "nowhere");

            VaultClient c = TestVaults.client(section, clock);
            assertThatThrownBy(() -> c.read("k"))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                    .hasMessageContaining("no secrets engine at vault.mount 'nowhere'");
        }

        @Test
        @DisplayName("without rights on sys/mounts, checks the version through the unprivileged UI endpoint")
        void checksThroughUiEndpoint() {
            vault.mountKv("old", 1);
            vault.policy("kv-only", Map.of("secret/*", Set.of("read"), "old/*", Set.of("read", "list")));
            Map<String, Object> section = TestVaults.section(vault);
            section.put("token", vault.createToken(Duration.ofHours(1), Duration.ofHours(2), true, "kv-only"));
            TestVaults.client(section, clock);

            section.put("mount", "old");
            VaultClient c = TestVaults.client(section, clock);
            assertThatThrownBy(() -> c.list("pools")).hasMessageContaining("KV version 1");
            assertThat(vault.requests()).anySatisfy(r -> assertThat(r.path()).isEqualTo("sys/internal/ui/mounts/old"));
        }

        @Test
        @DisplayName("a wrong AppRole secret id fails with UNAUTHENTICATED and Vault's reason")
        void wrongSecretId() {
            vault.appRole("ci", "role-1", "secret-1", Duration.ofMinutes(5), Duration.ofMinutes(10));
            Map<String, Object> section = Map.of("address", vault.address().toString(), "auth", "approle", "role-id", "role-1", "secret-id", "wrong");

            assertThatThrownBy(() -> TestVaults.client(new java.util.HashMap<>(section), clock))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED))
                    .hasMessageContaining("invalid role or secret ID")
                    .hasMessageNotContaining("wrong");
        }

        @Test
        @DisplayName("a revoked fixed token fails with UNAUTHENTICATED at the first request")
        void revokedFixedToken() {
            String token = vault.createToken(Duration.ofHours(1), Duration.ofHours(2), true, "default");
            vault.revokeToken(token);
            Map<String, Object> section = TestVaults.section(vault);
            section.put("token", token);

            VaultClient c = TestVaults.client(section, clock);
            assertThatThrownBy(() -> c.read("k"))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED))
                    .hasMessageContaining("invalid, expired or revoked")
                    .hasMessageNotContaining(token);
        }
    }

    @Nested
    @DisplayName("token lifetime")
    class TokenLifetime {
        private Map<String, Object> appRole(Duration ttl, Duration maxTtl) {
            vault.appRole("ci", "role-1", "secret-1", ttl, maxTtl, "pools");
            vault.policy("pools", "secret/*", "read", "create", "update", "list");
            Map<String, Object> section = TestVaults.section(vault);
            section.remove("token");
            section.put("auth", "approle");
            section.put("role-id", "role-1");
            section.put("secret-id", "secret-1");
            return section;
        }

        @Test
        @DisplayName("renews the token after two thirds of its TTL, and logs in again once renewal is capped by the max TTL")
        void renewsThenLogsInAgain() {
            VaultClient c = TestVaults.client(appRole(Duration.ofSeconds(60), Duration.ofSeconds(150)), clock);
            c.write("k", data("x", "1"), OptionalLong.empty());
            assertThat(vault.logins()).isEqualTo(1);

            clock.advance(Duration.ofSeconds(45));
            c.read("k");
            assertThat(c.session().renewals()).isEqualTo(1);
            clock.advance(Duration.ofSeconds(45));
            c.read("k");
            clock.advance(Duration.ofSeconds(45)); // 135 s: renewal capped at 15 s by the 150 s max TTL
            c.read("k");
            assertThat(c.session().renewals()).isEqualTo(3);
            assertThat(vault.logins()).isEqualTo(1);

            clock.advance(Duration.ofSeconds(11)); // past two thirds of what is left: log in afresh
            assertThat(c.read("k")).isInstanceOf(VaultClient.Found.class);
            assertThat(vault.logins()).isEqualTo(2);
            clock.advance(Duration.ofSeconds(30)); // the first token is past its max TTL now; the new one is fine
            assertThat(c.read("k")).isInstanceOf(VaultClient.Found.class);
            assertThat(vault.logins()).isEqualTo(2);
        }

        @Test
        @DisplayName("logs in again when Vault says the token is invalid, and re-sends the request once")
        void reloginOnInvalidToken() {
            VaultClient c = TestVaults.client(appRole(Duration.ofHours(1), Duration.ofHours(2)), clock);
            c.write("k", data("x", "1"), OptionalLong.of(0));
            vault.revokeAllTokens();

            assertThat(c.write("k", data("x", "2"), OptionalLong.of(1))).isEqualTo(new VaultClient.Written(2));
            assertThat(vault.logins()).isEqualTo(2);
        }

        @Test
        @DisplayName("Kubernetes auth re-reads the projected token file at each login")
        void kubernetesRereadsTheTokenFile(@TempDir Path dir) throws Exception {
            Path tokenFile = dir.resolve("token");
            Files.writeString(tokenFile, "jwt-one\n");
            vault.policy("pools", "secret/*", "read", "create", "update");
            vault.kubernetesRole("ephemera", Set.of("jwt-one"), Duration.ofHours(1), Duration.ofHours(2), "pools");
            Map<String, Object> section = TestVaults.section(vault);
            section.remove("token");
            section.put("auth", "kubernetes");
            section.put("kubernetes-role", "ephemera");
            section.put("kubernetes-token-file", tokenFile.toString());
            VaultClient c = TestVaults.client(section, clock);
            c.write("k", data("x", "1"), OptionalLong.empty());

            // The kubelet rotates the projected token; Vault now accepts only the new one.
            Files.writeString(tokenFile, "jwt-two\n");
            vault.acceptKubernetesJwts("ephemera", Set.of("jwt-two"));
            vault.revokeAllTokens();

            assertThat(c.read("k")).isInstanceOf(VaultClient.Found.class);
            assertThat(vault.logins()).isEqualTo(2);
            assertThat(vault.requests()).filteredOn(r -> r.path().equals("auth/kubernetes/login"))
                    .extracting(RecordedRequest::body).last().asString().contains("jwt-two");
        }

        @Test
        @DisplayName("a fixed token that Vault rejects mid-run is UNAUTHENTICATED: it cannot log in again")
        void fixedTokenRevokedMidRun() {
            String token = vault.createToken(Duration.ofHours(1), Duration.ofHours(2), true, "root");
            Map<String, Object> section = TestVaults.section(vault);
            section.put("token", token);
            VaultClient c = TestVaults.client(section, clock);
            vault.revokeToken(token);

            assertThatThrownBy(() -> c.read("k"))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED));
        }
    }

    @Test
    @DisplayName("health is up when unsealed, down when sealed, without retrying")
    void health() {
        VaultClient c = TestVaults.client(vault);
        assertThat(c.health().up()).isTrue();
        vault.seal();
        assertThat(c.health().up()).isFalse();
        assertThat(c.health().detail()).contains("sealed");
    }

    @Test
    @DisplayName("an unreachable Vault is UNAVAILABLE naming the address (at the first request: a fixed token sends none before)")
    void unreachable() {
        Map<String, Object> section = TestVaults.section(vault);
        vault.close();
        section.put("max-retries", "1");

        assertThatThrownBy(() -> TestVaults.client(section, Clock.systemUTC()).read("k"))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                .hasMessageContaining(section.get("address").toString());
        vault = FakeVault.start(); // for the spec check in stop()
    }
}
