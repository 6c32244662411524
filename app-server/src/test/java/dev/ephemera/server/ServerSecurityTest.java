package dev.ephemera.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.domain.secret.Secret;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The token guards what it promises to guard, bodies are read only after it, and every error is a problem document. */
class ServerSecurityTest {
    private static final Duration QUICK = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private Ephemera ephemera;
    private EphemeraServer server;
    private int port;

    @BeforeEach
    void start() throws Exception {
        Path cfg = dir.resolve("ephemera.yaml");
        Files.writeString(cfg, "backend: instant\nsqlite:\n  path: " + dir.resolve("state.db") + "\nfile:\n  directory: " + dir.resolve("secrets") + "\n");
        ephemera = Ephemera.start(new ConfigLoader(AdapterRegistry.discover()).load(new ConfigLoader.Request(Optional.of(cfg), Map.of(), dir, dir)),
                AdapterRegistry.discover());
        server = new EphemeraServer(ephemera, new ServerSettings("127.0.0.1", 0, 1024, Optional.of(Secret.of("t0ken")), Duration.ofSeconds(5)));
        port = server.start();
    }

    @AfterEach
    void stop() {
        server.close();
        ephemera.close();
    }

    private static void assertProblem(RawHttp.Answer a, int status, String code) {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.header("content-type")).isEqualTo("application/problem+json");
        JsonObject p = new JsonObject(a.body());
        assertThat(p.getInteger("status")).isEqualTo(status);
        assertThat(p.getString("code")).isEqualTo(code);
        assertThat(p.getString("title")).isNotBlank();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/webhooks/../clusters", "/v1/webhooks/%2e%2e/clusters", "/v1/webhooks/%2E%2E/clusters",
        "/v1/webhooks/./../clusters", "/v1/webhooks/github/../../clusters"})
    @DisplayName("a path that only looks like a webhook still needs the token: routing uses the normalised path")
    void dotSegmentsDoNotSkipTheToken(String path) throws Exception {
        RawHttp.Answer a = RawHttp.send(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close", "", QUICK);
        assertProblem(a, 401, "UNAUTHENTICATED");
        assertThat(a.header("WWW-Authenticate")).isEqualTo("Bearer");
    }

    @Test
    @DisplayName("without the token, a body is never read: a declared body beyond the limit is 401, not 413, and one never sent does not stall the answer")
    void theBodyLimitAppliesAfterAuthentication() throws Exception {
        RawHttp.Answer huge = RawHttp.send(port, "POST /v1/clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100000000", "", QUICK);
        assertProblem(huge, 401, "UNAUTHENTICATED");
        // 1000 bytes announced (within the limit) and none sent: a server buffering before it authenticates would wait for them.
        RawHttp.Answer pending = RawHttp.send(port, "POST /v1/clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 1000", "", QUICK);
        assertProblem(pending, 401, "UNAUTHENTICATED");
        // With the token, the limit applies.
        RawHttp.Answer tooBig = RawHttp.send(port, "POST /v1/clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer t0ken\r\n"
                + "Content-Type: application/json\r\nContent-Length: 4096\r\nConnection: close", "x".repeat(4096), QUICK);
        assertProblem(tooBig, 413, "INVALID");
        assertThat(new JsonObject(tooBig.body()).getString("detail")).contains("server.body-limit").contains("1024");
    }

    @Test
    @DisplayName("404, 405 and 413 are problem documents with Ephemera's code")
    void errorsCarryTheCode() throws Exception {
        assertProblem(RawHttp.send(port, "GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close", "", QUICK), 404, "NOT_FOUND");
        assertProblem(RawHttp.send(port, "GET /v1/nothing-here HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer t0ken\r\n"
                + "Connection: close", "", QUICK), 404, "NOT_FOUND");
        assertProblem(RawHttp.send(port, "GET /v1/webhooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close", "", QUICK), 405, "INVALID");
        assertProblem(RawHttp.send(port, "POST /v1/webhooks/gitlab HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close", "", QUICK),
                404, "NOT_FOUND");
        assertProblem(RawHttp.send(port, "GET /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close", "", QUICK), 405, "INVALID");
        assertProblem(RawHttp.send(port, "DELETE /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close", "", QUICK), 405, "INVALID");
        // Flagger's route has its own, smaller limit.
        RawHttp.Answer flagger = RawHttp.send(port, "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 2048\r\nConnection: close", "x".repeat(2048), QUICK);
        assertProblem(flagger, 413, "INVALID");
        RawHttp.Answer github = RawHttp.send(port, "POST /v1/webhooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + (GitHubWebhookHandler.BODY_LIMIT + 1) + "\r\nConnection: close", "", QUICK);
        assertProblem(github, 413, "INVALID");
    }

    @Test
    @DisplayName("what Vert.x refuses before routing (too long a line, too large headers, not HTTP) is a problem document too")
    void malformedRequestsAreProblems() throws Exception {
        assertProblem(RawHttp.send(port, "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: 127.0.0.1", "", QUICK), 414, "INVALID");
        assertProblem(RawHttp.send(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "b".repeat(20000), "", QUICK), 431, "INVALID");
        assertProblem(RawHttp.send(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: nope", "", QUICK), 400, "INVALID");
    }

    @Test
    @DisplayName("ephemera_http_server_active_requests counts each request once, ended or cut off")
    void activeRequestsAreCountedOnce() throws Exception {
        RawHttp.send(port, "POST /v1/clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000", "", QUICK); // cut off after the 401
        RawHttp.send(port, "GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close", "", QUICK);
        RawHttp.send(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close", "", QUICK);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.activeRequests() != 0 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        assertThat(server.activeRequests()).isZero();
        RawHttp.Answer metrics = RawHttp.send(port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close", "", QUICK);
        assertThat(metrics.body()).contains("ephemera_http_server_active_requests 1.0"); // the scrape itself
    }

    @Test
    @DisplayName("an exception in a handler is a 500 problem document with code INTERNAL, and no detail of the exception")
    void aHandlerBugIsA500Problem() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            Router router = ServerRoutes.create(vertx, ephemera, new ServerSettings("127.0.0.1", 0, 1024, Optional.empty(), QUICK),
                    new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
            router.get("/boom").handler(ctx -> {
                throw new IllegalStateException("secret internals");
            });
            int p = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS).actualPort();
            RawHttp.Answer a = RawHttp.send(p, "GET /boom HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close", "", QUICK);
            assertProblem(a, 500, "INTERNAL");
            assertThat(a.body()).doesNotContain("secret internals");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
