package dev.ephemera.server;

import static dev.ephemera.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("/v1/warm-pools and claims from a warm pool, kept filled by the server")
class WarmPoolsApiTest {
    @TempDir
    Path dir;
    private ApiServer api;

    @AfterEach
    void stop() {
        if (api != null) {
            api.close();
        }
    }

    private JsonNode pool(String name) {
        try {
            return ApiServer.json(api.get("/v1/warm-pools/" + name));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @DisplayName("the server fills a pool of 3; a claim naming it answers Ready at once under an alias; the pool refills to 3")
    void claimFromAPoolOfThree() throws Exception {
        api = ApiServer.start(dir, "warm-pools:\n  ci:\n    backend: other\n    size: 3\n", Map.of());
        eventually("3 Ready members", () -> pool("ci").path("ready").asInt() == 3, () -> pool("ci"));
        HttpResponse<String> list = api.get("/v1/warm-pools");
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(ApiServer.json(list)).extracting(n -> n.path("name").asText()).containsExactly("ci");

        HttpResponse<String> claimed = api.post("/v1/clusters", "{\"id\": \"pr-1\", \"fromPool\": \"ci\", \"owner\": \"acme/shop#1\"}");

        assertThat(claimed.statusCode()).as(claimed.body()).isEqualTo(201);
        JsonNode c = ApiServer.json(claimed);
        assertThat(c.path("phase").asText()).isEqualTo("Ready");
        String member = c.path("id").asText();
        assertThat(member).startsWith("ci-");
        assertThat(claimed.headers().firstValue("Location")).contains("/v1/clusters/" + member);
        assertThat(c.path("owner").path("repository").asText()).isEqualTo("acme/shop");
        HttpResponse<String> byAlias = api.get("/v1/clusters/pr-1");
        assertThat(byAlias.statusCode()).isEqualTo(200);
        assertThat(ApiServer.json(byAlias).path("id").asText()).isEqualTo(member);
        HttpResponse<String> kc = api.get("/v1/clusters/pr-1/kubeconfig");
        assertThat(kc.statusCode()).as(kc.body()).isEqualTo(200);
        assertThat(kc.body()).contains("token: \"token-").doesNotContain("token-for-");
        HttpResponse<String> again = api.post("/v1/clusters", "{\"id\": \"pr-1\", \"fromPool\": \"ci\", \"owner\": \"acme/shop#1\"}");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(ApiServer.json(again).path("id").asText()).isEqualTo(member);

        eventually("refilled to 3 Ready members", () -> pool("ci").path("ready").asInt() == 3 && pool("ci").path("claimed").asInt() == 1,
                () -> pool("ci"));
        assertThat(pool("ci").path("members")).anySatisfy(m -> assertThat(m.path("claimedAs").asText()).isEqualTo("pr-1"));
    }

    @Test
    @DisplayName("an unknown pool is 404 and an empty fromPool 400; neither records anything")
    void badPoolRequests() throws Exception {
        api = ApiServer.start(dir, "warm-pools:\n  ci:\n    backend: other\n    size: 1\n", Map.of());
        HttpResponse<String> unknown = api.get("/v1/warm-pools/nope");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("configured: ci");
        assertThat(api.post("/v1/clusters", "{\"id\": \"pr-2\", \"fromPool\": \"nope\"}").statusCode()).isEqualTo(404);
        assertThat(api.post("/v1/clusters", "{\"id\": \"pr-2\", \"fromPool\": \" \"}").statusCode()).isEqualTo(400);
        assertThat(api.get("/v1/clusters/pr-2").statusCode()).isEqualTo(404);
    }

    @Test
    @DisplayName("with tokens: the claiming token reads the kubeconfig by the claim's id, another claim token is refused, and nobody but admin reads a waiting member's")
    void kubeconfigGoesToTheClaimingToken() throws Exception {
        api = ApiServer.start(dir, "warm-pools:\n  ci:\n    backend: other\n    size: 2\n"
                + "server:\n  token: env:ADMIN_TOKEN\n  tokens:\n    ci: env:CI_TOKEN\n    other-ci: env:OTHER_TOKEN\n",
                Map.of("ADMIN_TOKEN", "admin-secret-1", "CI_TOKEN", "ci-secret-2", "OTHER_TOKEN", "other-secret-3"));
        api.as("admin-secret-1");
        eventually("2 Ready members", () -> pool("ci").path("ready").asInt() == 2, () -> pool("ci"));

        HttpResponse<String> claimed = api.as("ci-secret-2").post("/v1/clusters", "{\"id\": \"pr-5\", \"fromPool\": \"ci\"}");
        assertThat(claimed.statusCode()).as(claimed.body()).isEqualTo(201);
        String member = ApiServer.json(claimed).path("id").asText();

        assertThat(api.as("ci-secret-2").get("/v1/clusters/pr-5/kubeconfig").statusCode()).isEqualTo(200);
        assertThat(api.as("other-secret-3").get("/v1/clusters/pr-5/kubeconfig").statusCode()).isEqualTo(403);
        api.as("admin-secret-1");
        String stillWaiting = pool("ci").path("members").findValues("id").stream().map(JsonNode::asText)
                .filter(id -> !id.equals(member)).findFirst().orElseThrow();
        assertThat(api.as("ci-secret-2").get("/v1/clusters/" + stillWaiting + "/kubeconfig").statusCode())
                .as("a member no claim has taken is the pool's, not a claimer's").isEqualTo(403);
    }
}
