package dev.ephemera.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.application.canary.CanaryVerifier;
import dev.ephemera.application.canary.VerifierOptions;
import dev.ephemera.domain.canary.E2ESpec;
import dev.ephemera.domain.canary.VerifierMode;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.testkit.inmemory.InMemoryCanaryJobs;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /webhook} over real HTTP on loopback, with the verifier on an in-memory Job store
 * (the Kubernetes adapter is tested against fabric8's mock API server in adapters-kubernetes).
 */
class FlaggerWebhookHandlerTest {
    private static final String NS = "default";
    private static final String JOB = "e2e-my-app-85d557f47b";
    /** The payload of seed 001's README. */
    private static final String SEED_PAYLOAD = """
            {"name":"my-app","namespace":"default","phase":"Progressing","checksum":"85d557f47b",
             "metadata":{"eventMessage":"Canary promotion starting","eventType":"Normal","timestamp":"1640000000000"}}""";

    private final InMemoryCanaryJobs jobs = new InMemoryCanaryJobs();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private Vertx vertx;
    private String base;
    private int port;

    private void start(VerifierMode mode, Optional<Secret> token) throws Exception {
        vertx = Vertx.vertx();
        CanaryVerifier verifier = new CanaryVerifier(jobs, VerifierOptions.DEFAULT.withMode(mode));
        Router router = Router.router(vertx);
        router.get("/healthz").handler(new HealthHandler());
        // As ServerRoutes mounts it.
        router.post("/webhook").handler(BodyHandler.create(false).setBodyLimit(FlaggerWebhookHandler.BODY_LIMIT))
                .handler(new FlaggerWebhookHandler(vertx, () -> verifier, token));
        router.route().failureHandler(ctx -> Problems.send(ctx, ctx.statusCode(), "failed", "status " + ctx.statusCode(), null));
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        port = server.actualPort();
        base = "http://127.0.0.1:" + port;
        jobs.putSpec(E2ESpec.builder(NS, "my-app", "alpine").activeDeadlineSeconds(600L).build());
    }

    @AfterEach
    void stop() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private HttpRequest.Builder post(String body) {
        return HttpRequest.newBuilder(URI.create(base + "/webhook")).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpResponse<String> send(HttpRequest.Builder r) throws Exception {
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest.Builder r) {
        return http.sendAsync(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long pause = 1;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pause));
            pause = Math.min(pause * 2, 50);
        }
    }

    @Test
    @DisplayName("gate: the seed's payload is held and answered 200 when the Job succeeds")
    void heldThenPassed() throws Exception {
        start(VerifierMode.GATE, Optional.empty());
        CompletableFuture<HttpResponse<String>> held = sendAsync(post(SEED_PAYLOAD));
        eventually("the request is held", () -> jobs.waiting(NS, JOB) == 1);
        assertThat(held).isNotDone();
        assertThat(jobs.request(NS, JOB).orElseThrow().environment())
                .containsEntry("EVENT_MESSAGE", "Canary promotion starting").containsEntry("EVENT_TIMESTAMP", "1640000000000");
        jobs.succeed(NS, JOB);
        HttpResponse<String> r = held.get(10, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).contains("application/json");
        JsonObject body = new JsonObject(r.body());
        assertThat(body.getString("verdict")).isEqualTo("PASSED");
        assertThat(body.getString("job")).isEqualTo(JOB);
        assertThat(body.getString("mode")).isEqualTo("gate");
    }

    @Test
    @DisplayName("gate: 500 with the log tail when the Job fails")
    void failed() throws Exception {
        start(VerifierMode.GATE, Optional.empty());
        jobs.setLog(NS, JOB, List.of("npm test", "1 failing"));
        CompletableFuture<HttpResponse<String>> held = sendAsync(post(SEED_PAYLOAD));
        eventually("the request is held", () -> jobs.waiting(NS, JOB) == 1);
        jobs.fail(NS, JOB, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
        HttpResponse<String> r = held.get(10, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(500);
        JsonObject body = new JsonObject(r.body());
        assertThat(body.getString("message")).contains(JOB, "BackoffLimitExceeded");
        assertThat(body.getJsonArray("logTail").getList()).containsExactly("npm test", "1 failing");
    }

    @Test
    @DisplayName("gate: 503 with Retry-After when the hold runs out")
    void holdRunsOut() throws Exception {
        start(VerifierMode.GATE, Optional.empty());
        HttpResponse<String> r = send(post("""
                {"name":"my-app","namespace":"default","phase":"Progressing","checksum":"85d557f47b","metadata":{"hold":"100ms"}}"""));
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).contains("5");
        assertThat(new JsonObject(r.body()).getString("message")).contains("still running");
    }

    @Test
    @DisplayName("seed: 202 when the Job is created")
    void seedMode() throws Exception {
        start(VerifierMode.SEED, Optional.empty());
        HttpResponse<String> r = send(post(SEED_PAYLOAD));
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(new JsonObject(r.body()).getString("verdict")).isEqualTo("RUNNING");
    }

    @Test
    @DisplayName("404 when there is no E2ESpec")
    void noSpec() throws Exception {
        start(VerifierMode.GATE, Optional.empty());
        HttpResponse<String> r = send(post("{\"name\":\"other\",\"namespace\":\"default\",\"phase\":\"Progressing\",\"checksum\":\"1\"}"));
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(r.body()).getString("verdict")).isEqualTo("NO_SPEC");
    }

    @Test
    @DisplayName("400 problem documents for malformed or incomplete payloads, and nothing is created")
    void badPayloads() throws Exception {
        start(VerifierMode.GATE, Optional.empty());
        for (String[] c : new String[][] {
                {"", "empty"},
                {"not json", "not a JSON object"},
                {"[1,2]", "not a JSON object"},
                {"{\"name\":\"my-app\",\"namespace\":\"default\",\"phase\":\"Progressing\"}", "'checksum'"},
                {"{\"namespace\":\"default\",\"checksum\":\"1\"}", "'name'"},
                {"{\"name\":\"my-app\",\"checksum\":\"1\"}", "'namespace'"},
                {"{\"name\":7,\"namespace\":\"default\",\"checksum\":\"1\"}", "'name' must be a string"},
                {"{\"name\":\"my-app\",\"namespace\":\"default\",\"checksum\":\"1\",\"metadata\":{\"hold\":5}}", "metadata.hold"},
                {"{\"name\":\"my-app\",\"namespace\":\"default\",\"checksum\":\"1\",\"metadata\":[]}", "'metadata'"},
                {"{\"name\":\"my-app\",\"namespace\":\"default\",\"checksum\":\"1\",\"metadata\":{\"mode\":\"fast\"}}", "gate or seed"},
                {"{\"name\":\"My App\",\"namespace\":\"default\",\"checksum\":\"1\"}", "Kubernetes object name"}}) {
            HttpResponse<String> r = send(post(c[0]));
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(r.headers().firstValue("content-type")).as(c[0]).contains("application/problem+json");
            JsonObject problem = new JsonObject(r.body());
            assertThat(problem.getInteger("status")).isEqualTo(400);
            assertThat(problem.getString("detail")).as(c[0]).contains(c[1]);
        }
        assertThat(jobs.createCalls()).isZero();
    }

    @Test
    @DisplayName("413 for a body over the limit")
    void bodyLimit() throws Exception {
        start(VerifierMode.GATE, Optional.empty());
        String big = "{\"name\":\"my-app\",\"namespace\":\"default\",\"checksum\":\"1\",\"metadata\":{\"x\":\"" + "a".repeat(70_000) + "\"}}";
        HttpResponse<String> r = send(post(big));
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(jobs.createCalls()).isZero();
    }

    @Test
    @DisplayName("with a token, a call needs it as a bearer header or as webhook metadata")
    void token() throws Exception {
        start(VerifierMode.SEED, Optional.of(Secret.of("s3cret")));
        HttpResponse<String> none = send(post(SEED_PAYLOAD));
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("content-type")).contains("application/problem+json");
        assertThat(send(post(SEED_PAYLOAD).header("Authorization", "Bearer wrong")).statusCode()).isEqualTo(401);
        assertThat(jobs.createCalls()).isZero();
        assertThat(send(post(SEED_PAYLOAD).header("Authorization", "Bearer s3cret")).statusCode()).isEqualTo(202);
        assertThat(send(post("{\"name\":\"my-app\",\"namespace\":\"default\",\"phase\":\"Progressing\",\"checksum\":\"85d557f47b\","
                + "\"metadata\":{\"token\":\"s3cret\"}}")).statusCode()).isEqualTo(202);
    }

    @Test
    @DisplayName("a caller that closes the connection ends its hold; the Job runs on")
    void disconnectEndsHold() throws Exception {
        start(VerifierMode.GATE, Optional.empty());
        byte[] body = SEED_PAYLOAD.getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            eventually("the request is held", () -> jobs.waiting(NS, JOB) == 1);
        }
        eventually("the hold ended with the connection", () -> jobs.waiting(NS, JOB) == 0);
        assertThat(jobs.job(NS, JOB)).isPresent();
    }

    @Test
    @DisplayName("while 500 requests are held, /healthz answers at once, and no thread is held per request")
    void healthWhileManyHeld() throws Exception {
        start(VerifierMode.GATE, Optional.empty());
        // The client gets a small pool of its own, so the thread count below is the server's.
        java.util.concurrent.ExecutorService clientPool = java.util.concurrent.Executors.newFixedThreadPool(4);
        HttpClient many = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clientPool)
                .connectTimeout(Duration.ofSeconds(5)).build();
        List<CompletableFuture<HttpResponse<String>>> held = IntStream.range(0, 500)
                .mapToObj(i -> many.sendAsync(post(SEED_PAYLOAD).build(), HttpResponse.BodyHandlers.ofString())).toList();
        eventually("500 requests are held", () -> jobs.waiting(NS, JOB) == 500);

        long t0 = System.nanoTime();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(health.statusCode()).isEqualTo(200);
        // Not a benchmark: a generous bound that a blocked event loop or exhausted worker pool would break.
        assertThat(ms).as("/healthz latency with 500 held requests").isLessThan(2000);
        // Held requests are stages, not threads: no thread is inside the handler or the verifier, and
        // Vert.x's own threads (event loops, at most its worker pool) stay far below one per request.
        assertThat(threadsInside("dev.ephemera")).as(threadNames()).isEmpty();
        assertThat(vertxThreads()).as(threadNames()).isLessThan(50);
        assertThat(held).noneMatch(CompletableFuture::isDone);

        jobs.succeed(NS, JOB);
        for (var f : held) {
            assertThat(f.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(jobs.createCalls()).isEqualTo(1);
        clientPool.shutdownNow();
    }

    /** Threads, other than the caller, with a frame of a class in {@code pkg} (test classes excluded) on their stack. */
    private static List<String> threadsInside(String pkg) {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey() != Thread.currentThread())
                .filter(e -> java.util.Arrays.stream(e.getValue()).anyMatch(f -> f.getClassName().startsWith(pkg)
                        && !f.getClassName().startsWith("dev.ephemera.testkit") && !f.getClassName().endsWith("Test")))
                .map(e -> e.getKey().getName()).toList();
    }

    /** The server's own threads: Vert.x names every thread it starts {@code vert.x-…}. */
    private static long vertxThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("vert.x-")).count();
    }

    private static String threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).sorted().toList().toString();
    }

    @Test
    @DisplayName("a verifier that cannot be built is a 503 problem, never a pass")
    void verifierUnavailable() throws Exception {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        router.post("/webhook").handler(BodyHandler.create(false).setBodyLimit(FlaggerWebhookHandler.BODY_LIMIT))
                .handler(new FlaggerWebhookHandler(vertx, () -> {
                    throw new EphemeraException(dev.ephemera.domain.error.ErrorCode.CONFIGURATION, "kubeconfig /nope cannot be read");
                }, Optional.empty()));
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        base = "http://127.0.0.1:" + server.actualPort();
        HttpResponse<String> r = send(post(SEED_PAYLOAD));
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("kubeconfig /nope cannot be read");
    }

    @Test
    @DisplayName("the real server routes POST /webhook; without Kubernetes access it is a failed check, never a pass")
    void routedByTheServer(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path cfg = dir.resolve("ephemera.yaml");
        java.nio.file.Files.writeString(cfg, "sqlite:\n  path: " + dir.resolve("state.db") + "\n");
        var registry = dev.ephemera.bootstrap.AdapterRegistry.discover();
        // No kubeconfig anywhere: HOME and KUBECONFIG point into the empty test directory.
        var config = new dev.ephemera.bootstrap.ConfigLoader(registry).load(new dev.ephemera.bootstrap.ConfigLoader.Request(
                Optional.of(cfg), java.util.Map.of("HOME", dir.toString(), "KUBECONFIG", dir.resolve("none").toString()), dir, dir));
        try (var ephemera = dev.ephemera.bootstrap.Ephemera.start(config, registry);
                var server = new EphemeraServer(ephemera, new ServerSettings("127.0.0.1", 0, 1 << 20, Optional.empty(), Duration.ofSeconds(5)))) {
            base = "http://127.0.0.1:" + server.start();
            HttpResponse<String> bad = send(post("{}"));
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.headers().firstValue("content-type")).contains("application/problem+json");
            HttpResponse<String> r = send(post(SEED_PAYLOAD));
            assertThat(r.statusCode()).as(r.body()).isGreaterThan(202).isNotEqualTo(404);
            assertThat(r.headers().firstValue("content-type")).contains("application/problem+json");
        }
    }
}
