package dev.ephemera.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.ports.backend.ClusterBackend;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /readyz}: what it checks, how often it asks a cloud API, and that it never stalls real work. */
class ReadinessTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Ephemera ephemera;
    private EphemeraServer server;
    private String base;

    @BeforeEach
    void reset() {
        ProbedBackendFactory.reset();
    }

    private void start(String backend, Duration healthCache) throws Exception {
        Path cfg = dir.resolve("ephemera.yaml");
        Files.writeString(cfg, "backend: " + backend + "\nsqlite:\n  path: " + dir.resolve("state.db") + "\nfile:\n  directory: "
                + dir.resolve("secrets") + "\n");
        ephemera = Ephemera.start(new ConfigLoader(AdapterRegistry.discover()).load(new ConfigLoader.Request(Optional.of(cfg), Map.of(), dir, dir)),
                AdapterRegistry.discover());
        server = new EphemeraServer(ephemera, new ServerSettings("127.0.0.1", 0, 1024, Optional.empty(), Duration.ofSeconds(5))
                .withHealthCache(healthCache));
        base = "http://127.0.0.1:" + server.start();
    }

    @AfterEach
    void stop() {
        ProbedBackendFactory.hold = null;
        if (server != null) {
            server.close();
        }
        if (ephemera != null) {
            ephemera.close();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @DisplayName("the configured default backend is checked")
    void includesTheDefaultBackend() throws Exception {
        start("probed", Duration.ZERO);
        HttpResponse<String> r = get("/readyz");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(new JsonObject(r.body()).getJsonObject("checks").getJsonObject("ClusterBackend/probed").getBoolean("up")).isTrue();
        assertThat(ProbedBackendFactory.HEALTH_CALLS.get()).isEqualTo(1);
    }

    @Test
    @DisplayName("a default backend that is not installed makes the server not ready, and is named")
    void aMissingDefaultBackendIs503() throws Exception {
        start("nosuch", Duration.ZERO);
        HttpResponse<String> r = get("/readyz");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        JsonObject body = new JsonObject(r.body());
        assertThat(body.getJsonArray("down").getList()).containsExactly("ClusterBackend/nosuch");
        assertThat(body.getJsonObject("checks").getJsonObject("ClusterBackend/nosuch").getString("detail")).contains("nosuch")
                .contains("installed");
    }

    @Test
    @DisplayName("checks are cached for server.health-cache: polling /readyz does not spend a cloud API's rate limit")
    void healthIsCached() throws Exception {
        start("probed", Duration.ofSeconds(30));
        for (int i = 0; i < 5; i++) {
            assertThat(get("/readyz").statusCode()).isEqualTo(200);
        }
        assertThat(ProbedBackendFactory.HEALTH_CALLS.get()).isEqualTo(1);
    }

    @Test
    @DisplayName("with health-cache 0 every probe checks again")
    void zeroCacheChecksEveryTime() throws Exception {
        start("probed", Duration.ZERO);
        for (int i = 0; i < 3; i++) {
            get("/readyz");
        }
        assertThat(ProbedBackendFactory.HEALTH_CALLS.get()).isEqualTo(3);
    }

    @Test
    @DisplayName("a slow health check does not stall work that needs an adapter")
    void aSlowCheckDoesNotBlockAdapters() throws Exception {
        start("probed", Duration.ZERO);
        ephemera.backend("probed"); // created, so the check below reaches its health()
        ProbedBackendFactory.hold = new CountDownLatch(1);
        CompletableFuture<HttpResponse<String>> ready = http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/readyz"))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ProbedBackendFactory.entered.await(10, TimeUnit.SECONDS)).as("the health check started").isTrue();
        try {
            // What the reconciler does on each step: get the cluster's backend (and other adapters).
            CompletableFuture<ClusterBackend> work = CompletableFuture.supplyAsync(() -> {
                ephemera.secretSink("file");
                return ephemera.backend("instant");
            });
            assertThat(work.get(5, TimeUnit.SECONDS)).isNotNull();
            assertThat(ready).isNotDone();
        } finally {
            ProbedBackendFactory.hold.countDown();
        }
        assertThat(ready.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("no duplicate-gauge warning (or any other warning) is logged when requests come in")
    void noMeterWarnings() throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            start("probed", Duration.ofSeconds(30));
            for (String path : List.of("/healthz", "/readyz", "/healthz", "/metrics", "/nope", "/metrics")) {
                get(path);
            }
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("server listening"); // the capture works
        assertThat(log).doesNotContain("already registered").doesNotContain(" WARN ");
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.body()).contains("ephemera_http_server_active_requests").contains("vertx_http_server_requests_total");
    }
}
