package dev.ephemera.benchmarks;

import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.application.canary.CanaryVerifier;
import dev.ephemera.application.canary.VerifierOptions;
import dev.ephemera.ports.canary.CanaryJobs;
import dev.ephemera.ports.canary.CanaryJobsFactory;
import dev.ephemera.ports.canary.JobPhase;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.server.FlaggerWebhookHandler;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The canary webhook as deployed, for load tests: the real {@link FlaggerWebhookHandler} on
 * Vert.x, the real {@link CanaryVerifier}, and the real Kubernetes adapter (found through
 * {@code ServiceLoader}) watching fabric8's mock API server in CRUD mode, which holds
 * {@code canaries} E2ESpecs {@code app-0…} in namespace {@code bench}, each with a finished Job
 * for checksum {@code done}, and a spec {@code held} for gate-mode holds.
 *
 * <p>Routes besides {@code POST /webhook} and {@code GET /healthz}, for {@link CanaryBenchClient}:
 * {@code GET /bench/stats} (heap after GC, threads, requests in flight on /webhook) and
 * {@code POST /bench/complete?job=NAME} (plays the Job controller: PUTs a {@code Complete} status).
 *
 * <p>Usage: {@code benchmarks/run CanaryBenchServer [canaries=100] [port=8089] [seconds]}; prints
 * {@code READY <url>} and serves until stdin closes, or with {@code seconds} until then or
 * {@code POST /bench/stop}.
 */
public final class CanaryBenchServer {
    static final String NS = "bench";

    private CanaryBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        int canaries = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 8089;
        int maxSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        java.util.concurrent.CompletableFuture<Void> stop = new java.util.concurrent.CompletableFuture<>();

        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        KubernetesMockServer api = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), responses,
                new KubernetesMixedDispatcher(responses), false);
        api.init(InetAddress.getByName("127.0.0.1"), 0);
        NamespacedKubernetesClient kube = api.createClient();
        try (InputStream in = Files.newInputStream(repoDir().resolve("deploy/crds/e2especs.ephemera.dev.yaml"))) {
            CustomResourceDefinition crd = kube.apiextensions().v1().customResourceDefinitions().load(in).item();
            kube.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        }
        ResourceDefinitionContext specs = new ResourceDefinitionContext.Builder().withGroup("ephemera.dev").withVersion("v1")
                .withPlural("e2especs").withKind("E2ESpec").withNamespaced(true).build();
        for (int i = 0; i < canaries; i++) {
            putSpec(kube, specs, "app-" + i, 600);
            Job job = kube.batch().v1().jobs().inNamespace(NS).resource(new JobBuilder()
                    .withNewMetadata().withName("e2e-app-" + i + "-done").addToLabels(CanaryJobs.MANAGED_BY, CanaryJobs.MANAGER).endMetadata()
                    .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("e2e").withImage("alpine").endContainer()
                    .withRestartPolicy("Never").endSpec().endTemplate().endSpec().build()).create();
            complete(kube, job.getMetadata().getName());
        }
        putSpec(kube, specs, "held", 600);

        Path kubeconfig = Files.createTempFile("ephemera-bench", ".kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: "http://127.0.0.1:%d"}}]
                users: [{name: u, user: {token: t}}]
                contexts: [{name: mock, context: {cluster: mock, user: u}}]
                current-context: mock
                """.formatted(api.getPort()));
        CanaryJobsFactory factory = AdapterRegistry.discover().factory(CanaryJobsFactory.class, "kubernetes");
        CanaryJobs jobs = factory.create(new Settings("kubernetes", Map.of("kubeconfig", kubeconfig.toString())));
        jobs.synced().toCompletableFuture().get(30, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int i = 0; i < canaries; i++) {
            while (jobs.job(NS, "e2e-app-" + i + "-done").map(j -> j.phase() != JobPhase.SUCCEEDED).orElse(true)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the cache did not see the finished Jobs in 30 s");
                }
                Thread.onSpinWait();
            }
        }
        CanaryVerifier verifier = new CanaryVerifier(jobs, VerifierOptions.DEFAULT);

        Vertx vertx = Vertx.vertx();
        AtomicInteger inFlight = new AtomicInteger();
        Router router = Router.router(vertx);
        String ok = new JsonObject().put("status", "ok").encode();
        router.get("/healthz").handler(ctx -> ctx.response().putHeader("content-type", "application/json").end(ok));
        router.post("/webhook").handler(BodyHandler.create(false).setBodyLimit(FlaggerWebhookHandler.BODY_LIMIT))
                .handler(ctx -> {
                    inFlight.incrementAndGet();
                    ctx.addEndHandler(v -> inFlight.decrementAndGet());
                    ctx.next();
                })
                .handler(new FlaggerWebhookHandler(vertx, () -> verifier, Optional.empty()));
        router.get("/bench/stats").handler(ctx -> vertx.executeBlocking(() -> {
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            var threads = ManagementFactory.getThreadMXBean();
            return new JsonObject().put("heapUsed", heap.getUsed()).put("threads", threads.getThreadCount())
                    .put("peakThreads", threads.getPeakThreadCount()).put("inFlight", inFlight.get()).encode();
        }).onComplete(r -> ctx.response().putHeader("content-type", "application/json").end(r.result())));
        router.post("/bench/stop").handler(ctx -> {
            ctx.response().setStatusCode(204).end();
            stop.complete(null);
        });
        router.get("/bench/inflight").handler(ctx -> ctx.response().end(Integer.toString(inFlight.get())));
        router.post("/bench/complete").handler(ctx -> {
            String job = ctx.request().getParam("job");
            vertx.executeBlocking(() -> {
                complete(kube, job);
                return null;
            }).onComplete(r -> ctx.response().setStatusCode(r.succeeded() ? 204 : 500).end());
        });
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        System.out.println("READY http://127.0.0.1:" + server.actualPort());
        System.out.flush();
        if (maxSeconds > 0) {
            try {
                stop.get(maxSeconds, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                System.out.println("served " + maxSeconds + " s; stopping");
            }
        } else {
            while (System.in.read() >= 0) {
                // serve until stdin closes
            }
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        jobs.close();
        kube.close();
        api.destroy();
    }

    private static void putSpec(NamespacedKubernetesClient kube, ResourceDefinitionContext specs, String name, int deadline) {
        kube.genericKubernetesResources(specs).inNamespace(NS).resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("ephemera.dev/v1").withKind("E2ESpec")
                .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .addToAdditionalProperties("spec", Map.of("image", "alpine", "activeDeadlineSeconds", deadline))
                .build()).create();
    }

    /** Plays the Job controller: a PUT of the status subresource with the Complete condition. */
    static void complete(NamespacedKubernetesClient kube, String name) {
        // The webhook that creates the Job may still be on its way to the API server: wait for it, bounded.
        Job job = kube.batch().v1().jobs().inNamespace(NS).withName(name).get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long pause = 1;
        while (job == null && System.nanoTime() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            pause = Math.min(pause * 2, 50);
            job = kube.batch().v1().jobs().inNamespace(NS).withName(name).get();
        }
        if (job == null) {
            throw new IllegalStateException("no Job " + name);
        }
        String now = Instant.now().toString();
        job.setStatus(new JobStatusBuilder().withStartTime(now).withCompletionTime(now).withSucceeded(1)
                .withConditions(new JobConditionBuilder().withType("Complete").withStatus("True").withLastTransitionTime(now).build()).build());
        kube.batch().v1().jobs().inNamespace(NS).resource(job).updateStatus();
    }

    static Path repoDir() {
        String prop = System.getProperty("ephemera.repo.dir");
        Path start = prop != null ? Path.of(prop) : Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy/crds"))) {
                return p;
            }
        }
        throw new IllegalStateException("run from the repository (deploy/crds not found above " + start + ")");
    }
}
