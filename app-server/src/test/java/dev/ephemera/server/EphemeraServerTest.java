package dev.ephemera.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.domain.secret.Secret;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EphemeraServerTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Ephemera ephemera;
    private EphemeraServer server;
    private String base;

    private void start(Optional<Secret> token) throws IOException {
        Path cfg = dir.resolve("ephemera.yaml");
        Files.writeString(cfg, "backend: instant\nsqlite:\n  path: " + dir.resolve("state.db") + "\nfile:\n  directory: " + dir.resolve("secrets") + "\n");
        ephemera = Ephemera.start(new ConfigLoader(AdapterRegistry.discover()).load(new ConfigLoader.Request(Optional.of(cfg), Map.of(), dir, dir)),
                AdapterRegistry.discover());
        server = new EphemeraServer(ephemera, new ServerSettings("127.0.0.1", 0, 1024, token, Duration.ofSeconds(5)).withHealthCache(Duration.ZERO));
        base = "http://127.0.0.1:" + server.start();
    }

    @AfterEach
    void stop() {
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
    void healthReadinessAndMetricsAnswer() throws Exception {
        start(Optional.empty());
        HttpResponse<String> health = get("/healthz");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"ok\"");
        HttpResponse<String> ready = get("/readyz");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(ready.body()).contains("ClusterRepository/sqlite").contains("LeaseStore/sqlite").contains("SecretSink/file")
                .contains("ClusterBackend/instant");
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("content-type")).get().asString().startsWith("text/plain");
        assertThat(metrics.body()).contains("jvm_memory_used_bytes").contains("vertx_http_server_requests_total");
    }

    @Test
    void readinessNamesTheAdapterThatIsDown() throws Exception {
        start(Optional.empty());
        Files.writeString(dir.resolve("secrets"), "a file where the sink wants a directory");
        HttpResponse<String> ready = get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("SecretSink/file").contains("\"up\":false");
    }

    @Test
    void errorsAreProblemDocuments() throws Exception {
        start(Optional.of(Secret.of("t0ken")));
        HttpResponse<String> missing = get("/nope");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("content-type")).contains("application/problem+json");
        assertThat(missing.body()).contains("\"status\":404").contains("/nope");
        HttpResponse<String> unauthorized = get("/v1/clusters");
        assertThat(unauthorized.statusCode()).isEqualTo(401);
        assertThat(unauthorized.headers().firstValue("content-type")).contains("application/problem+json");
        HttpResponse<String> tooBig = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/clusters"))
                .header("Authorization", "Bearer t0ken").POST(HttpRequest.BodyPublishers.ofString("x".repeat(4096))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(tooBig.body()).contains("body-limit");
    }
}
