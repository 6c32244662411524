package dev.ephemera.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("API tokens: every /v1 route but the webhooks needs one, with the scope the route asks for")
class ApiAuthTest {
    private static final String TOKENS = """
            server:
              token: env:ADMIN_TOKEN
              tokens:
                ci: env:CI_TOKEN
                other-ci: env:OTHER_TOKEN
                viewer: file:%s
              token-scopes:
                viewer: read
            """;
    private static final Map<String, String> ENV = Map.of("ADMIN_TOKEN", "admin-secret-1", "CI_TOKEN", "ci-secret-2", "OTHER_TOKEN", "other-secret-3");

    @TempDir
    Path dir;
    private ApiServer api;

    @AfterEach
    void stop() {
        if (api != null) {
            api.close();
        }
    }

    private ApiServer start() throws Exception {
        Path viewer = dir.resolve("viewer-token");
        java.nio.file.Files.writeString(viewer, "viewer-secret-4\n");
        api = ApiServer.start(dir, TOKENS.formatted(viewer), ENV);
        return api;
    }

    private static String concrete(String path) {
        return path.replace("{id}", "pr-1").replace("{name}", "lab");
    }

    @Test
    @DisplayName("every documented operation without a token, or with a wrong one, is 401 problem+json with a Bearer challenge")
    void everyRouteNeedsAToken() throws Exception {
        start();
        JsonNode doc = ApiJson.MAPPER.readTree(OpenApiHandler.document());
        int checked = 0;
        for (String op : OpenApiDocumentTest.documentOperations(doc)) {
            String method = op.substring(0, op.indexOf(' '));
            String path = concrete(op.substring(op.indexOf(' ') + 1));
            if (path.startsWith("/v1/webhooks/")) {
                continue;
            }
            for (String token : new String[] {null, "wrong", "ci-secret-2x", "Basic ci-secret-2"}) {
                HttpResponse<String> r = api.as(token).send(method, path, method.equals("GET") || method.equals("DELETE") ? null : "{}");
                assertThat(r.statusCode()).as(op + " with " + token).isEqualTo(401);
                assertThat(r.headers().firstValue("WWW-Authenticate")).as(op).contains("Bearer");
                assertThat(ApiServer.json(r).path("code").asText()).isEqualTo("UNAUTHENTICATED");
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(4 * 12);
        // Unknown paths under /v1 do not tell a caller without a token which routes exist.
        assertThat(api.as(null).get("/v1/nothing-here").statusCode()).isEqualTo(401);
    }

    @Test
    @DisplayName("path tricks through /v1/webhooks/ do not get around the token")
    void pathTricksDoNotBypassTheToken() throws Exception {
        start();
        api.as("admin-secret-1").post("/v1/clusters", "{\"id\": \"pr-1\"}");
        HttpClient raw = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (String trick : new String[] {"/v1/webhooks/../clusters", "/v1/webhooks/%2e%2e/clusters", "/v1/webhooks/%2E%2E/clusters",
            "/v1/webhooks/github/../../clusters", "/v1/webhooks/./../clusters/pr-1", "/v1//clusters", "/v1/./clusters", "/v1/webhooks/..%2fclusters"}) {
            HttpResponse<String> r = raw.send(HttpRequest.newBuilder(URI.create(api.base + trick)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(trick + ": " + r.body()).isIn(401, 404);
            assertThat(r.body()).as(trick).doesNotContain("\"phase\"");
        }
    }

    @Test
    @DisplayName("the webhook route asks for GitHub's signature, not the bearer token")
    void webhooksAreNotBehindTheToken() throws Exception {
        start();
        HttpResponse<String> r = api.as(null).post("/v1/webhooks/github", "{}");
        assertThat(r.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(r.body()).doesNotContain("bearer token is required");
    }

    @Test
    @DisplayName("read may look, claim may claim, only admin may create pools; the kubeconfig goes to the claimer or an admin")
    void scopes() throws Exception {
        start();
        api.as("viewer-secret-4");
        assertThat(api.get("/v1/clusters").statusCode()).isEqualTo(200);
        HttpResponse<String> denied = api.post("/v1/clusters", "{\"id\": \"pr-1\"}");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(ApiServer.json(denied).path("code").asText()).isEqualTo("PERMISSION_DENIED");
        assertThat(ApiServer.json(api.as("admin-secret-1").get("/v1/clusters"))).isEmpty();

        assertThat(api.as("ci-secret-2").post("/v1/clusters", "{\"id\": \"pr-1\"}").statusCode()).isEqualTo(201);
        assertThat(api.as("ci-secret-2").post("/v1/pools", "{\"name\": \"lab\", \"range\": \"10.0.0.1-10.0.0.4\"}").statusCode()).isEqualTo(403);
        assertThat(api.as("admin-secret-1").post("/v1/pools", "{\"name\": \"lab\", \"range\": \"10.0.0.1-10.0.0.4\"}").statusCode()).isEqualTo(201);
        assertThat(api.as("ci-secret-2").post("/v1/pools/lab/allocate", "{\"holder\": \"pr-1\"}").statusCode()).isEqualTo(200);

        // Another claim token, and a read token, may not have the kubeconfig; the claimer and an admin get past the check.
        assertThat(api.as("other-secret-3").get("/v1/clusters/pr-1/kubeconfig").statusCode()).isEqualTo(403);
        assertThat(api.as("viewer-secret-4").get("/v1/clusters/pr-1/kubeconfig").statusCode()).isEqualTo(403);
        assertThat(api.as("ci-secret-2").get("/v1/clusters/pr-1/kubeconfig").statusCode()).isIn(200, 409);
        assertThat(api.as("admin-secret-1").get("/v1/clusters/pr-1/kubeconfig").statusCode()).isIn(200, 409);
    }

    @Test
    @DisplayName("token values are refused inline, scopes must be known, and a scope must name a defined token")
    void tokenConfigurationIsChecked() throws Exception {
        assertThatThrownBy(() -> ApiServer.start(dir, "server:\n  tokens:\n    ci: plain-text-token\n", Map.of()))
                .isInstanceOfSatisfying(EphemeraException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION);
                    assertThat(e.getMessage()).contains("server.tokens.ci").contains("env:").doesNotContain("plain-text-token");
                });
        assertThatThrownBy(() -> ApiServer.start(dir, "server:\n  tokens:\n    ci: env:CI_TOKEN\n  token-scopes:\n    ci: root\n", ENV))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.getMessage()).contains("read, claim or admin"));
        assertThatThrownBy(() -> ApiServer.start(dir, "server:\n  tokens:\n    ci: env:CI_TOKEN\n  token-scopes:\n    cd: admin\n", ENV))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.getMessage()).contains("server.token-scopes.cd"));
        assertThatThrownBy(() -> ApiServer.start(dir, "server:\n  token: env:CI_TOKEN\n  tokens:\n    ci: env:CI_TOKEN\n", ENV))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.getMessage()).contains("same value"));
    }
}
