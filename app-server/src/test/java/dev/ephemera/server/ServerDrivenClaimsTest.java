package dev.ephemera.server;

import static dev.ephemera.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's driver takes claims made through the API to Ready and beyond, with no client stepping them. */
@DisplayName("Claims through the API, stepped by the server's driver (an in-memory backend)")
class ServerDrivenClaimsTest {
    @TempDir
    Path dir;
    private ApiServer api;

    @AfterEach
    void stop() {
        if (api != null) {
            api.close();
        }
    }

    private String phase(String id) {
        try {
            return ApiServer.json(api.get("/v1/clusters/" + id)).path("phase").asText();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @DisplayName("a claim reaches Ready with nobody waiting; ?wait=Ready answers it; the kubeconfig is served; metrics count it")
    void claimReachesReadyByItself() throws Exception {
        api = ApiServer.start(dir, "", Map.of());
        assertThat(api.post("/v1/clusters", "{\"id\": \"pr-1\"}").statusCode()).isEqualTo(201);

        HttpResponse<String> waited = api.get("/v1/clusters/pr-1?wait=Ready&timeout=30s");

        assertThat(waited.statusCode()).as(waited.body()).isEqualTo(200);
        JsonNode c = ApiServer.json(waited);
        assertThat(c.path("phase").asText()).isEqualTo("Ready");
        assertThat(c.path("timeline")).extracting(e -> e.path("phase").asText()).containsSubsequence("Requested", "Provisioning", "Ready");
        HttpResponse<String> kc = api.get("/v1/clusters/pr-1/kubeconfig");
        assertThat(kc.statusCode()).as(kc.body()).isEqualTo(200);
        assertThat(kc.headers().firstValue("content-type")).contains("application/yaml");
        assertThat(kc.body()).contains("apiVersion: v1").contains("kind: Config");

        eventually("the metrics show the Ready cluster", () -> metrics().contains("ephemera_clusters{backend=\"other\",phase=\"Ready\"} 1.0"),
                this::metrics);
        String m = metrics();
        assertThat(m).contains("ephemera_cluster_claim_to_ready_seconds_count 1").contains("ephemera_cluster_claim_to_ready_seconds_bucket")
                .contains("ephemera_cluster_queue_length 0.0").contains("ephemera_reconcile_errors_total{code=\"BACKEND\"} 0.0");
    }

    private String metrics() {
        try {
            return api.get("/metrics").body();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @DisplayName("a wait that runs out is 504 TIMEOUT and the claim stands; a wait for no phase is 400")
    void waitTimesOut() throws Exception {
        api = ApiServer.start(dir, "", Map.of());
        api.post("/v1/clusters", "{\"id\": \"pr-2\"}");
        api.get("/v1/clusters/pr-2?wait=Ready&timeout=30s");

        HttpResponse<String> r = api.get("/v1/clusters/pr-2?wait=Deleted&timeout=1s");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
        assertThat(ApiServer.json(r).path("code").asText()).isEqualTo("TIMEOUT");
        assertThat(phase("pr-2")).isEqualTo("Ready");
        assertThat(api.get("/v1/clusters/pr-2?wait=Soon").statusCode()).isEqualTo(400);
        assertThat(api.get("/v1/clusters/pr-2?wait=Ready&timeout=2h").statusCode()).isEqualTo(400);
        assertThat(api.get("/v1/clusters/pr-2?timeout=1m").statusCode()).isEqualTo(400);
        assertThat(api.get("/v1/clusters/nope?wait=Ready").statusCode()).isEqualTo(404);
    }

    @Test
    @DisplayName("the event stream shows the cluster, then each phase change, and ends after Deleted")
    void eventStream() throws Exception {
        api = ApiServer.start(dir, "", Map.of());
        api.post("/v1/clusters", "{\"id\": \"pr-3\"}");
        api.get("/v1/clusters/pr-3?wait=Ready&timeout=30s");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<Stream<String>> stream = http.send(HttpRequest.newBuilder(URI.create(api.base + "/v1/clusters/pr-3/events"))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("content-type")).contains("text/event-stream");
        CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(() -> {
            List<String> all = new ArrayList<>();
            for (Iterator<String> it = stream.body().iterator(); it.hasNext(); ) {
                all.add(it.next());
            }
            return all;
        });

        assertThat(api.send("DELETE", "/v1/clusters/pr-3", null).statusCode()).isEqualTo(200);

        List<String> events = lines.get(60, TimeUnit.SECONDS); // the server ends the stream after Deleted
        List<String> names = events.stream().filter(l -> l.startsWith("event: ")).map(l -> l.substring(7)).toList();
        List<String> phases = new ArrayList<>();
        for (String l : events) {
            if (l.startsWith("data: ")) {
                phases.add(ApiServer.JSON.readTree(l.substring(6)).path("phase").asText());
            }
        }
        assertThat(names.get(0)).isEqualTo("cluster");
        assertThat(names.subList(1, names.size())).containsOnly("phase");
        assertThat(phases).startsWith("Ready").containsSubsequence("Ready", "Deleting", "Deleted").endsWith("Deleted");
    }

    @Test
    @DisplayName("with queue=true, 20 concurrent claims and a cap of 10 leave 10 live and 10 Queued; those start as slots free")
    void queuedClaimsStartWhenSlotsFree() throws Exception {
        api = ApiServer.start(dir, "policies:\n  max-concurrent: 10\n", Map.of());
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Callable<HttpResponse<String>>> claims = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String body = "{\"id\": \"q-" + i + "\", \"queue\": true}";
                claims.add(() -> api.post("/v1/clusters", body));
            }
            List<String> phases = new ArrayList<>();
            for (Future<HttpResponse<String>> f : pool.invokeAll(claims)) {
                HttpResponse<String> r = f.get();
                assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                phases.add(ApiServer.json(r).path("phase").asText());
            }
            assertThat(phases).filteredOn("Queued"::equals).hasSize(10);
        } finally {
            pool.shutdownNow();
        }
        eventually("10 Ready and 10 Queued", () -> count("Ready") == 10 && count("Queued") == 10, this::listPhases);

        for (JsonNode c : ApiServer.json(api.get("/v1/clusters"))) {
            if (c.path("phase").asText().equals("Ready")) {
                api.send("DELETE", "/v1/clusters/" + c.path("id").asText(), null);
            }
        }

        eventually("the queued claims start once the first ten are gone", () -> count("Ready") == 10 && count("Queued") == 0, this::listPhases);
    }

    private long count(String phase) {
        return listPhases().stream().filter(phase::equals).count();
    }

    private List<String> listPhases() {
        try {
            List<String> out = new ArrayList<>();
            ApiServer.json(api.get("/v1/clusters")).forEach(c -> out.add(c.path("phase").asText()));
            return out;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @DisplayName("a heartbeat claim that is not renewed is released after heartbeat + grace; a renewed one keeps running")
    void heartbeats() throws Exception {
        api = ApiServer.start(dir, "policies:\n  grace: 1s\nserver:\n  rescan-interval: 200ms\n", Map.of());
        api.post("/v1/clusters", "{\"id\": \"hb-forgotten\", \"heartbeat\": \"10s\"}");
        api.post("/v1/clusters", "{\"id\": \"hb-renewed\", \"heartbeat\": \"10s\"}");
        assertThat(api.get("/v1/clusters/hb-forgotten?wait=Ready&timeout=30s").statusCode()).isEqualTo(200);
        assertThat(api.get("/v1/clusters/hb-renewed?wait=Ready&timeout=30s").statusCode()).isEqualTo(200);
        long start = System.nanoTime();

        // Renew one every 2 s (a CI step's loop) while waiting for the other to go.
        eventually("the cluster nobody renews is deleted", Duration.ofSeconds(40), () -> {
            try {
                HttpResponse<String> renewed = api.post("/v1/clusters/hb-renewed/renew", null);
                assertThat(renewed.statusCode()).as(renewed.body()).isEqualTo(200);
                api.get("/v1/clusters/hb-forgotten?wait=Deleted&timeout=2s");
                return phase("hb-forgotten").equals("Deleted");
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, () -> phase("hb-forgotten"));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not before its heartbeat ran out").isGreaterThanOrEqualTo(Duration.ofSeconds(8));
        assertThat(phase("hb-renewed")).isEqualTo("Ready");
        JsonNode forgotten = ApiServer.json(api.get("/v1/clusters/hb-forgotten"));
        assertThat(forgotten.path("timeline")).extracting(e -> e.path("phase").asText()).containsSubsequence("Ready", "Releasing", "Deleting", "Deleted");
        assertThat(api.post("/v1/clusters/nope/renew", null).statusCode()).isEqualTo(404);
    }
}
