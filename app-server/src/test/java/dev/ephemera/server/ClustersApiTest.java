package dev.ephemera.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("/v1/clusters through the real server")
class ClustersApiTest {
    @TempDir
    Path dir;
    private ApiServer api;

    @AfterEach
    void stop() {
        if (api != null) {
            api.close();
        }
    }

    private static void assertProblem(HttpResponse<String> r, int status, String code) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).contains("application/problem+json");
        JsonNode p = ApiServer.json(r);
        assertThat(p.path("status").asInt()).isEqualTo(status);
        assertThat(p.path("code").asText()).isEqualTo(code);
        assertThat(p.path("detail").asText()).isNotBlank();
    }

    @Test
    @DisplayName("a new claim is 201 with the cluster in its one shape; the same claim again is 200 with the same cluster")
    void claimIsIdempotent() throws Exception {
        api = ApiServer.start(dir, "", Map.of());

        HttpResponse<String> first = api.post("/v1/clusters", """
                {"id": "pr-42-shop", "owner": "acme/shop#42", "ttl": "1d", "size": "cpx31", "location": "fsn1",
                 "pushTo": ["file:pr-42-shop:extra"], "keepOnFailure": true}""");

        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        assertThat(first.headers().firstValue("content-type")).contains("application/json");
        assertThat(first.headers().firstValue("Location")).contains("/v1/clusters/pr-42-shop");
        JsonNode c = ApiServer.json(first);
        assertThat(c.path("id").asText()).isEqualTo("pr-42-shop");
        assertThat(c.path("backend").asText()).isEqualTo("other");
        assertThat(c.at("/owner/repository").asText()).isEqualTo("acme/shop");
        assertThat(c.at("/owner/pullRequest").asInt()).isEqualTo(42);
        assertThat(c.at("/spec/size").asText()).isEqualTo("cpx31");
        assertThat(c.path("keepOnFailure").asBoolean()).isTrue();
        assertThat(c.path("pushTo").get(0).asText()).isEqualTo("file:pr-42-shop:extra");
        assertThat(c.path("timeline").size()).isPositive();

        HttpResponse<String> again = api.post("/v1/clusters", "{\"id\": \"pr-42-shop\"}");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(ApiServer.json(again).path("createdAt")).isEqualTo(c.path("createdAt"));

        HttpResponse<String> one = api.get("/v1/clusters/pr-42-shop");
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(ApiServer.json(one).path("timeline").get(0).path("phase").asText()).isEqualTo("Requested");
        HttpResponse<String> all = api.get("/v1/clusters");
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(ApiServer.json(all)).extracting(n -> n.path("id").asText()).containsExactly("pr-42-shop");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "{\"id\": \"pr-1\"",                                  // malformed
        "[{\"id\": \"pr-1\"}]",                               // not an object
        "{\"id\": \"pr-1\", \"colour\": \"blue\"}",           // unknown field
        "{\"id\": \"pr-1\", \"id\": \"pr-2\"}",               // duplicate field
        "{\"id\": \"PR_1\"}",                                 // bad id
        "{\"id\": \"" + "x" + "0123456789012345678901234567890123456789\"}", // id too long
        "{}",                                                 // no id
        "{\"id\": \"pr-1\", \"ttl\": \"soon\"}",              // bad ttl
        "{\"id\": \"pr-1\", \"ttl\": \"0s\"}",                // zero ttl
        "{\"id\": \"pr-1\", \"ttl\": \"30d\"}",               // over the maximum lifetime
        "{\"id\": \"pr-1\", \"ttl\": 3}",                     // ttl of the wrong type
        "{\"id\": \"pr-1\", \"owner\": \"just-a-name\"}",     // bad owner
        "{\"id\": \"pr-1\", \"owner\": \"acme/shop#-4\"}",    // bad pull request
        "{\"id\": \"pr-1\", \"heartbeat\": \"forever\"}",     // bad heartbeat
        "{\"id\": \"pr-1\", \"queue\": \"yes\"}",             // queue not a boolean
        "{\"id\": \"pr-1\", \"pushTo\": \"github:a/b:X\"}",   // pushTo not an array
        "{\"id\": \"pr-1\", \"pushTo\": [\"nowhere\"]}",      // bad push target
        "{\"id\": \"pr-1\", \"pushTo\": [\"smoke:a/b:X\"]}",  // unknown sink
        "{\"id\": \"pr-1\", \"backend\": \"mainframe\"}",     // unknown backend
        "{\"id\": \"pr-1\", \"size\": \" \"}",                // blank size
        ""                                                    // no body
    })
    @DisplayName("bad input is 400 problem+json with code INVALID, and nothing is recorded")
    void badInputIsRefusedAndRecordsNothing(String body) throws Exception {
        api = ApiServer.start(dir, "", Map.of());

        HttpResponse<String> r = api.post("/v1/clusters", body);

        assertProblem(r, 400, "INVALID");
        assertThat(ApiServer.json(api.get("/v1/clusters"))).isEmpty();
        assertThat(api.get("/v1/clusters/pr-1").statusCode()).isEqualTo(404);
    }

    @Test
    @DisplayName("an unknown cluster is 404 on every route; an invalid id in the path is 400")
    void unknownClusterIsNotFound() throws Exception {
        api = ApiServer.start(dir, "", Map.of());
        assertProblem(api.get("/v1/clusters/nope"), 404, "NOT_FOUND");
        assertProblem(api.get("/v1/clusters/nope/kubeconfig"), 404, "NOT_FOUND");
        assertProblem(api.post("/v1/clusters/nope/release", null), 404, "NOT_FOUND");
        assertProblem(api.send("DELETE", "/v1/clusters/nope", null), 404, "NOT_FOUND");
        assertProblem(api.get("/v1/clusters/Not_An_Id"), 400, "INVALID");
    }

    @Test
    @DisplayName("claiming an existing id on another backend is 409 and changes nothing")
    void otherBackendIsAConflict() throws Exception {
        api = ApiServer.start(dir, "", Map.of());
        assertThat(api.post("/v1/clusters", "{\"id\": \"pr-7\", \"backend\": \"other\"}").statusCode()).isEqualTo(201);

        assertProblem(api.post("/v1/clusters", "{\"id\": \"pr-7\", \"backend\": \"instant\"}"), 409, "CONFLICT");

        assertThat(ApiServer.json(api.get("/v1/clusters/pr-7")).path("backend").asText()).isEqualTo("other");
    }

    @Test
    @DisplayName("20 concurrent claims with a cap of 10: exactly 10 are recorded, the other 10 get 429 with Retry-After")
    void concurrentClaimsRespectTheCap() throws Exception {
        api = ApiServer.start(dir, "policies:\n  max-concurrent: 10\n", Map.of());
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Callable<HttpResponse<String>>> claims = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String body = "{\"id\": \"load-" + i + "\"}";
                claims.add(() -> api.post("/v1/clusters", body));
            }
            List<HttpResponse<String>> answers = new ArrayList<>();
            for (Future<HttpResponse<String>> f : pool.invokeAll(claims)) {
                answers.add(f.get());
            }
            assertThat(answers).filteredOn(r -> r.statusCode() == 201).hasSize(10);
            List<HttpResponse<String>> refused = answers.stream().filter(r -> r.statusCode() != 201).toList();
            assertThat(refused).hasSize(10);
            for (HttpResponse<String> r : refused) {
                assertProblem(r, 429, "LIMIT_EXCEEDED");
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
            }
            assertThat(ApiServer.json(api.get("/v1/clusters"))).hasSize(10);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @DisplayName("release and delete answer with the cluster in its next phase")
    void releaseAndDelete() throws Exception {
        api = ApiServer.start(dir, "", Map.of());
        api.post("/v1/clusters", "{\"id\": \"pr-8\"}");
        api.post("/v1/clusters", "{\"id\": \"pr-9\"}");

        HttpResponse<String> deleted = api.send("DELETE", "/v1/clusters/pr-9", null);
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        assertThat(ApiServer.json(deleted).path("phase").asText()).isIn("Deleting", "Deleted");

        HttpResponse<String> released = api.post("/v1/clusters/pr-8/release", null);
        assertThat(released.statusCode()).as(released.body()).isEqualTo(200);
        assertThat(ApiServer.json(released).path("phase").asText()).isIn("Releasing", "Deleting", "Deleted");
    }
}
