package dev.ephemera.adapters.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephemera.testkit.fake.vault.FakeVault;
import dev.ephemera.testkit.fake.vault.MutableClock;
import dev.ephemera.testkit.fake.vault.RecordedRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The fake Vault itself, spoken to over raw HTTP: it must behave as Vault's KV v2 engine and auth
 * methods are documented to, or every test built on it proves nothing.
 */
@DisplayName("The fake Vault")
class FakeVaultTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final MutableClock clock = new MutableClock(Instant.parse("2025-03-01T10:00:00Z"));
    private FakeVault vault;

    @BeforeEach
    void start() {
        vault = FakeVault.builder().clock(clock).start();
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    record Answer(int status, JsonNode body) {
    }

    private Answer call(String method, String path, String body) throws Exception {
        return call(method, path, body, vault.rootToken());
    }

    private Answer call(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(vault.address() + "/v1/" + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("X-Vault-Token", token);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body()));
    }

    @Nested
    @DisplayName("KV version 2")
    class KvV2 {
        @Test
        @DisplayName("numbers versions from 1 and reads the latest with its metadata")
        void versionsCountUp() throws Exception {
            assertThat(call("POST", "secret/data/a", "{\"data\":{\"k\":\"one\"}}").body().at("/data/version").asInt()).isEqualTo(1);
            assertThat(call("PUT", "secret/data/a", "{\"data\":{\"k\":\"two\"}}").body().at("/data/version").asInt()).isEqualTo(2);

            Answer read = call("GET", "secret/data/a", null);
            assertThat(read.status()).isEqualTo(200);
            assertThat(read.body().at("/data/data/k").asText()).isEqualTo("two");
            assertThat(read.body().at("/data/metadata/version").asInt()).isEqualTo(2);
            assertThat(read.body().at("/data/metadata/deletion_time").asText()).isEmpty();
            assertThat(call("GET", "secret/data/a?version=1", null).body().at("/data/data/k").asText()).isEqualTo("one");
        }

        @Test
        @DisplayName("cas=0 creates only a key that does not exist, and a wrong cas answers Vault's own 400")
        void casZeroIsCreateOnly() throws Exception {
            assertThat(call("POST", "secret/data/p", "{\"data\":{\"x\":1},\"options\":{\"cas\":0}}").status()).isEqualTo(200);

            Answer again = call("POST", "secret/data/p", "{\"data\":{\"x\":2},\"options\":{\"cas\":0}}");
            assertThat(again.status()).isEqualTo(400);
            assertThat(again.body().toString()).isEqualTo("{\"errors\":[\"check-and-set parameter did not match the current version\"]}");
            assertThat(call("POST", "secret/data/p", "{\"data\":{\"x\":2},\"options\":{\"cas\":1}}").body().at("/data/version").asInt()).isEqualTo(2);
        }

        @Test
        @DisplayName("cas_required on the mount or on the key refuses a write without cas")
        void casRequired() throws Exception {
            call("POST", "secret/metadata/strict", "{\"cas_required\":true}");
            Answer keyLevel = call("POST", "secret/data/strict", "{\"data\":{\"x\":1}}");
            assertThat(keyLevel.status()).isEqualTo(400);
            assertThat(keyLevel.body().at("/errors/0").asText()).isEqualTo("check-and-set parameter required for this call");

            assertThat(call("POST", "secret/config", "{\"cas_required\":true}").status()).isEqualTo(204);
            assertThat(call("GET", "secret/config", null).body().at("/data/cas_required").asBoolean()).isTrue();
            assertThat(call("POST", "secret/data/other", "{\"data\":{\"x\":1}}").body().at("/errors/0").asText())
                    .isEqualTo("check-and-set parameter required for this call");
            assertThat(call("POST", "secret/data/other", "{\"data\":{\"x\":1},\"options\":{\"cas\":0}}").status()).isEqualTo(200);
        }

        @Test
        @DisplayName("a soft delete keeps the version counter and answers 404 with the deleted version's metadata")
        void softDeleteKeepsCounter() throws Exception {
            call("POST", "secret/data/s", "{\"data\":{\"x\":1}}");
            assertThat(call("DELETE", "secret/data/s", null).status()).isEqualTo(204);

            Answer gone = call("GET", "secret/data/s", null);
            assertThat(gone.status()).isEqualTo(404);
            assertThat(gone.body().at("/data/data").isNull()).isTrue();
            assertThat(gone.body().at("/data/metadata/version").asInt()).isEqualTo(1);
            assertThat(gone.body().at("/data/metadata/deletion_time").asText()).isNotEmpty();
            assertThat(call("GET", "secret/data/never", null).body().toString()).isEqualTo("{\"errors\":[]}");

            assertThat(call("POST", "secret/data/s", "{\"data\":{\"x\":2},\"options\":{\"cas\":0}}").status()).isEqualTo(400);
            assertThat(call("POST", "secret/data/s", "{\"data\":{\"x\":2},\"options\":{\"cas\":1}}").body().at("/data/version").asInt()).isEqualTo(2);
        }

        @Test
        @DisplayName("destroy marks versions destroyed; deleting the metadata removes the key and restarts its versions")
        void destroyAndMetadataDelete() throws Exception {
            call("POST", "secret/data/d", "{\"data\":{\"x\":1}}");
            call("POST", "secret/data/d", "{\"data\":{\"x\":2}}");
            assertThat(call("PUT", "secret/destroy/d", "{\"versions\":[1]}").status()).isEqualTo(204);
            assertThat(call("GET", "secret/data/d?version=1", null).body().at("/data/metadata/destroyed").asBoolean()).isTrue();
            assertThat(call("GET", "secret/metadata/d", null).body().at("/data/versions/1/destroyed").asBoolean()).isTrue();

            assertThat(call("DELETE", "secret/metadata/d", null).status()).isEqualTo(204);
            assertThat(call("GET", "secret/metadata/d", null).status()).isEqualTo(404);
            assertThat(call("POST", "secret/data/d", "{\"data\":{\"x\":3},\"options\":{\"cas\":0}}").body().at("/data/version").asInt()).isEqualTo(1);
        }

        @Test
        @DisplayName("keeps at most max_versions versions, dropping the oldest")
        void prunesOldVersions() throws Exception {
            call("POST", "secret/metadata/m", "{\"max_versions\":2}");
            for (int i = 0; i < 4; i++) {
                call("POST", "secret/data/m", "{\"data\":{\"i\":" + i + "}}");
            }
            JsonNode meta = call("GET", "secret/metadata/m", null).body().path("data");
            assertThat(meta.path("current_version").asInt()).isEqualTo(4);
            assertThat(meta.path("versions").has("1")).isFalse();
            assertThat(meta.path("versions").has("3")).isTrue();
            assertThat(call("GET", "secret/data/m?version=1", null).status()).isEqualTo(404);
        }

        @Test
        @DisplayName("LIST (the verb or ?list=true) gives direct children with folders ending in '/', and 404 when empty")
        void lists() throws Exception {
            call("POST", "secret/data/app/one", "{\"data\":{\"x\":1}}");
            call("POST", "secret/data/app/two", "{\"data\":{\"x\":1}}");
            call("POST", "secret/data/app/sub/three", "{\"data\":{\"x\":1}}");

            Answer listed = call("LIST", "secret/metadata/app", null);
            assertThat(listed.body().at("/data/keys").toString()).isEqualTo("[\"one\",\"sub/\",\"two\"]");
            assertThat(call("GET", "secret/metadata/app/?list=true", null).body().at("/data/keys").size()).isEqualTo(3);
            assertThat(call("LIST", "secret/metadata/nothing/", null).status()).isEqualTo(404);
        }

        @Test
        @DisplayName("refuses a body that breaks the spec's schema, and records it")
        void refusesBodiesAgainstTheSpec() throws Exception {
            Answer bad = call("POST", "secret/data/x", "{\"data\":{\"k\":\"v\"},\"options\":7}");

            assertThat(bad.status()).isEqualTo(400);
            assertThat(vault.specViolations()).singleElement().asString().contains("KvV2WriteRequest").contains("/options");
            assertThat(call("GET", "secret/data/x", null).status()).isEqualTo(404);
        }

        @Test
        @DisplayName("with the connection dropped after a write, the client sees no answer but the write is applied")
        void dropsAfterApplying() throws Exception {
            vault.faults().dropConnectionAfterApplying(1, RecordedRequest.writesTo("secret/data/lost"));

            assertThatThrownBy(() -> call("POST", "secret/data/lost", "{\"data\":{\"x\":1}}")).isInstanceOf(IOException.class);

            assertThat(vault.read("secret", "lost")).hasValueSatisfying(d -> assertThat(d.path("x").asInt()).isEqualTo(1));
        }
    }

    @Nested
    @DisplayName("mounts and health")
    class Mounts {
        @Test
        @DisplayName("reports the KV version of a mount in sys/mounts and sys/internal/ui/mounts")
        void reportsKvVersion() throws Exception {
            vault.mountKv("old", 1);
            assertThat(call("GET", "sys/mounts/secret", null).body().at("/data/options/version").asText()).isEqualTo("2");
            assertThat(call("GET", "sys/internal/ui/mounts/old", null).body().at("/data/options/version").asText()).isEqualTo("1");
            assertThat(call("GET", "sys/mounts/none", null).body().at("/errors/0").asText()).isEqualTo("No secret engine mount at none/");
        }

        @Test
        @DisplayName("a KV version 1 mount stores options.cas as data and checks nothing")
        void v1IgnoresCas() throws Exception {
            vault.mountKv("old", 1);
            assertThat(call("POST", "old/p", "{\"data\":{\"x\":1},\"options\":{\"cas\":0}}").status()).isEqualTo(204);
            assertThat(call("POST", "old/p", "{\"data\":{\"x\":2},\"options\":{\"cas\":0}}").status()).isEqualTo(204);
            assertThat(call("GET", "old/p", null).body().at("/data/options/cas").asInt()).isZero();
        }

        @Test
        @DisplayName("sealed, it answers 503 'Vault is sealed' to everything but sys/health")
        void sealed() throws Exception {
            vault.seal();
            Answer a = call("GET", "secret/data/x", null);
            assertThat(a.status()).isEqualTo(503);
            assertThat(a.body().at("/errors/0").asText()).isEqualTo("Vault is sealed");
            assertThat(call("GET", "sys/health", null, null).body().path("sealed").asBoolean()).isTrue();
        }
    }

    @Nested
    @DisplayName("auth")
    class Auth {
        @Test
        @DisplayName("tells a missing capability (permission denied) from a revoked token (permission denied + invalid token)")
        void deniedVersusInvalid() throws Exception {
            vault.policy("reader", "secret/data/*", "read");
            String reader = vault.createToken(Duration.ofHours(1), Duration.ofHours(2), true, "reader");

            Answer denied = call("POST", "secret/data/x", "{\"data\":{\"x\":1}}", reader);
            assertThat(denied.status()).isEqualTo(403);
            assertThat(denied.body().at("/errors/0").asText()).isEqualTo("1 error occurred:\n\t* permission denied\n\n");
            assertThat(call("GET", "secret/data/x", null, reader).status()).isEqualTo(404);

            vault.revokeToken(reader);
            Answer invalid = call("GET", "secret/data/x", null, reader);
            assertThat(invalid.status()).isEqualTo(403);
            assertThat(invalid.body().at("/errors/0").asText()).contains("permission denied").contains("invalid token");
        }

        @Test
        @DisplayName("AppRole login issues a token that expires at its TTL and renews no further than its max TTL")
        void appRoleTokensExpire() throws Exception {
            vault.policy("pools", "secret/*", "read", "create", "update");
            vault.appRole("ci", "role-1", "secret-1", Duration.ofSeconds(60), Duration.ofSeconds(100), "pools");

            assertThat(call("POST", "auth/approle/login", "{\"role_id\":\"role-1\",\"secret_id\":\"nope\"}", null).body().at("/errors/0").asText())
                    .isEqualTo("invalid role or secret ID");
            JsonNode auth = call("POST", "auth/approle/login", "{\"role_id\":\"role-1\",\"secret_id\":\"secret-1\"}", null).body().path("auth");
            String token = auth.path("client_token").asText();
            assertThat(auth.path("lease_duration").asInt()).isEqualTo(60);
            assertThat(auth.path("renewable").asBoolean()).isTrue();

            clock.advance(Duration.ofSeconds(50));
            JsonNode renewed = call("POST", "auth/token/renew-self", "{\"increment\":\"60s\"}", token).body();
            assertThat(renewed.at("/auth/lease_duration").asInt()).isEqualTo(50); // capped by max TTL (100 s after issue)
            assertThat(renewed.at("/warnings/0").asText()).contains("max_ttl");

            clock.advance(Duration.ofSeconds(51));
            assertThat(call("GET", "secret/data/x", null, token).body().at("/errors/0").asText()).contains("invalid token");
        }

        @Test
        @DisplayName("Kubernetes login accepts only the role's current service-account JWTs")
        void kubernetesLogin() throws Exception {
            vault.kubernetesRole("ephemera", java.util.Set.of("jwt-1"), Duration.ofMinutes(5), Duration.ofMinutes(10));

            assertThat(call("POST", "auth/kubernetes/login", "{\"role\":\"ephemera\",\"jwt\":\"jwt-1\"}", null).status()).isEqualTo(200);
            vault.acceptKubernetesJwts("ephemera", java.util.Set.of("jwt-2"));
            Answer old = call("POST", "auth/kubernetes/login", "{\"role\":\"ephemera\",\"jwt\":\"jwt-1\"}", null);
            assertThat(old.status()).isEqualTo(403);
            assertThat(call("POST", "auth/kubernetes/login", "{\"jwt\":\"jwt-2\"}", null).body().at("/errors/0").asText()).isEqualTo("missing role");
            assertThat(vault.specViolations()).isEmpty();
        }
    }
}
