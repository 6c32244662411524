package dev.ephemera.adapters.kubernetes.canary;

import static dev.ephemera.adapters.kubernetes.canary.MockApi.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.application.canary.CanaryVerifier;
import dev.ephemera.application.canary.VerifierAnswer;
import dev.ephemera.application.canary.VerifierOptions;
import dev.ephemera.domain.canary.CanaryWebhook;
import dev.ephemera.domain.canary.Verdict;
import dev.ephemera.domain.canary.VerifierMode;
import dev.ephemera.ports.canary.CanaryJobs;
import dev.ephemera.ports.spi.Settings;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The use case on the real adapter against fabric8's mock API server in CRUD mode: every row of
 * seed 001's table in {@code seed} mode, and the held answers of {@code gate} mode, with the test
 * playing the Job controller by PUTting the Job's status subresource.
 */
class CanaryVerifierOnKubernetesTest {
    private static final String NS = "shop";
    private static final String CHECKSUM = "85d557f47b";
    private static final CanaryWebhook HOOK = CanaryWebhook.of("my-app", NS, "Progressing", CHECKSUM);
    private static final String JOB = "e2e-my-app-85d557f47b";

    private MockApi api;
    private CanaryJobs jobs;

    private CanaryVerifier start(String group, VerifierMode mode) throws Exception {
        api = new MockApi(group);
        jobs = new KubernetesCanaryJobsFactory(Map.of()).create(new Settings("kubernetes", Map.of("crd-group", group)), api.config());
        jobs.synced().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return new CanaryVerifier(jobs, VerifierOptions.DEFAULT.withMode(mode));
    }

    @AfterEach
    void stop() {
        if (jobs != null) {
            jobs.close();
        }
        if (api != null) {
            api.close();
        }
    }

    private static VerifierAnswer answer(java.util.concurrent.CompletionStage<VerifierAnswer> stage) {
        try {
            return stage.toCompletableFuture().get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no answer in 15 s", e);
        }
    }

    /** The Job as the cache sees it has reached {@code phase}; answers are given from the cache. */
    private void cacheSees(String job, String phase) {
        eventually("the cache sees " + job + " " + phase, () -> jobs.job(NS, job).map(j -> j.phase().name().equals(phase)).orElse(false));
    }

    @Nested
    @DisplayName("seed mode walks seed 001's table")
    class Seed {
        @Test
        @DisplayName("404 when there is no E2ESpec")
        void noSpec() throws Exception {
            CanaryVerifier v = start("ephemera.dev", VerifierMode.SEED);
            VerifierAnswer a = answer(v.verify(HOOK));
            assertThat(a.status()).isEqualTo(404);
            assertThat(api.jobs(NS)).isEmpty();
        }

        @Test
        @DisplayName("202 on creating the Job from a spec with secrets and valueFrom env, 202 while active, 200 once Complete")
        void createdActiveComplete() throws Exception {
            CanaryVerifier v = start("ephemera.dev", VerifierMode.SEED);
            api.putSpec(NS, "my-app", KubernetesCanaryJobsTest.comprehensiveSpec());
            eventually("the spec is cached", () -> jobs.spec(NS, "my-app").isPresent());

            VerifierAnswer created = answer(v.verify(HOOK));
            assertThat(created.status()).isEqualTo(202);
            assertThat(created.reason()).contains("Created");
            Job job = api.job(NS, JOB);
            var c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertThat(c.getEnv()).extracting(e -> e.getName()).contains("DB_PASSWORD", "CANARY_NAME", "CANARY_NAMESPACE", "CANARY_PHASE",
                    "CANARY_CHECKSUM", "EVENT_MESSAGE", "EVENT_TYPE", "EVENT_TIMESTAMP");
            assertThat(c.getEnv()).filteredOn(e -> e.getName().equals("EVENT_MESSAGE")).singleElement()
                    .satisfies(e -> assertThat(e.getValue()).isEmpty());
            assertThat(c.getVolumeMounts()).extracting(m -> m.getMountPath()).containsExactly("/var/secrets/google");

            api.setStatus(NS, JOB, null, null, null);
            eventually("the cache sees the start", () -> jobs.job(NS, JOB).map(j -> j.startTime().isPresent()).orElse(false));
            VerifierAnswer running = answer(v.verify(HOOK));
            assertThat(running.status()).isEqualTo(202);
            assertThat(running.reason()).contains("Running");

            api.setStatus(NS, JOB, "Complete", null, null);
            cacheSees(JOB, "SUCCEEDED");
            VerifierAnswer passed = answer(v.verify(HOOK));
            assertThat(passed.status()).isEqualTo(200);
            assertThat(passed.verdict()).isEqualTo(Verdict.PASSED);
            assertThat(api.jobs(NS)).hasSize(1);
        }

        @Test
        @DisplayName("500 once Failed, with the reason and the failed pod's log tail")
        void failed() throws Exception {
            CanaryVerifier v = start("ephemera.dev", VerifierMode.SEED);
            api.putSpec(NS, "my-app", Map.of("image", "alpine"));
            eventually("the spec is cached", () -> jobs.spec(NS, "my-app").isPresent());
            answer(v.verify(HOOK));
            api.addFailedPod(NS, JOB, JOB + "-abcde", "running suite\nFAIL checkout: expected 200, got 502\n", 40);
            api.setStatus(NS, JOB, "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
            cacheSees(JOB, "FAILED");
            VerifierAnswer a = answer(v.verify(HOOK));
            assertThat(a.status()).isEqualTo(500);
            assertThat(a.message()).contains(JOB, "BackoffLimitExceeded");
            assertThat(a.logTail()).containsExactly("running suite", "FAIL checkout: expected 200, got 502");
        }

        @Test
        @DisplayName("a canary name that makes a 70-character Job name gets a valid 63-character one")
        void longName() throws Exception {
            CanaryVerifier v = start("ephemera.dev", VerifierMode.SEED);
            String name = "checkout-service-with-a-rather-long-name-for-the-canary";
            assertThat(("e2e-" + name + "-" + CHECKSUM)).hasSize(70);
            api.putSpec(NS, name, Map.of("image", "alpine"));
            eventually("the spec is cached", () -> jobs.spec(NS, name).isPresent());
            VerifierAnswer a = answer(v.verify(CanaryWebhook.of(name, NS, "Progressing", CHECKSUM)));
            assertThat(a.status()).isEqualTo(202);
            String job = a.job().orElseThrow();
            assertThat(job).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
            assertThat(api.job(NS, job)).isNotNull();
        }
    }

    @Nested
    @DisplayName("gate mode holds the request until the Job ends")
    class Gate {
        @Test
        @DisplayName("a held request is answered 200 once the test marks the Job Complete")
        void heldThenComplete() throws Exception {
            CanaryVerifier v = start("ephemera.dev", VerifierMode.GATE);
            api.putSpec(NS, "my-app", Map.of("image", "alpine", "activeDeadlineSeconds", 600));
            eventually("the spec is cached", () -> jobs.spec(NS, "my-app").isPresent());
            CompletableFuture<VerifierAnswer> held = v.verify(HOOK).toCompletableFuture();
            eventually("the Job exists", () -> api.job(NS, JOB) != null);
            api.setStatus(NS, JOB, null, null, null);
            assertThat(held).isNotDone();
            api.setStatus(NS, JOB, "Complete", null, null);
            assertThat(answer(held).status()).isEqualTo(200);
        }

        @Test
        @DisplayName("a held request is answered 500 with the log tail once the Job is Failed")
        void heldThenFailed() throws Exception {
            CanaryVerifier v = start("ephemera.dev", VerifierMode.GATE);
            api.putSpec(NS, "my-app", Map.of("image", "alpine"));
            eventually("the spec is cached", () -> jobs.spec(NS, "my-app").isPresent());
            CompletableFuture<VerifierAnswer> held = v.verify(HOOK).toCompletableFuture();
            eventually("the Job exists", () -> api.job(NS, JOB) != null);
            api.addFailedPod(NS, JOB, JOB + "-zzzzz", "Error: connect ECONNREFUSED 10.0.0.7:8080\n", 40);
            api.setStatus(NS, JOB, "Failed", "DeadlineExceeded", "Job was active longer than specified deadline");
            VerifierAnswer a = answer(held);
            assertThat(a.status()).isEqualTo(500);
            assertThat(a.reason()).contains("DeadlineExceeded");
            assertThat(a.logTail()).containsExactly("Error: connect ECONNREFUSED 10.0.0.7:8080");
        }

        @Test
        @DisplayName("503 with Retry-After when the hold runs out; the next call re-attaches to the same Job")
        void holdRunsOutAndReattaches() throws Exception {
            CanaryVerifier v = start("ephemera.dev", VerifierMode.GATE);
            api.putSpec(NS, "my-app", Map.of("image", "alpine"));
            eventually("the spec is cached", () -> jobs.spec(NS, "my-app").isPresent());
            CanaryWebhook shortHold = new CanaryWebhook("my-app", NS, "Progressing", CHECKSUM, Map.of("hold", "200ms"));
            VerifierAnswer first = answer(v.verify(shortHold));
            assertThat(first.status()).isEqualTo(503);
            assertThat(first.retryAfter()).isPresent();
            String uid = api.job(NS, JOB).getMetadata().getUid();

            CompletableFuture<VerifierAnswer> second = v.verify(HOOK).toCompletableFuture();
            assertThat(second).isNotDone();
            api.setStatus(NS, JOB, "Complete", null, null);
            assertThat(answer(second).status()).isEqualTo(200);
            assertThat(api.jobs(NS)).singleElement().satisfies(j -> assertThat(j.getMetadata().getUid()).isEqualTo(uid));
        }

        @Test
        @DisplayName("playing Flagger (≤ 202 is a pass, retried on anything else): no call passes before the Job has succeeded")
        void flaggerNeverPassesEarly() throws Exception {
            CanaryVerifier v = start("ephemera.dev", VerifierMode.GATE);
            api.putSpec(NS, "my-app", Map.of("image", "alpine"));
            eventually("the spec is cached", () -> jobs.spec(NS, "my-app").isPresent());
            java.util.Random random = new java.util.Random(42);
            for (int round = 0; round < 5; round++) {
                CanaryWebhook hook = new CanaryWebhook("my-app", NS, "Progressing", "r" + round, Map.of("hold", (20 + random.nextInt(60)) + "ms"));
                String job = hook.jobName();
                java.util.concurrent.atomic.AtomicBoolean succeeded = new java.util.concurrent.atomic.AtomicBoolean();
                int calls = 1 + random.nextInt(6);
                // The controller ends the Job after Flagger has made a few calls, whatever their timing.
                CompletableFuture<Void> controller = new CompletableFuture<>();
                int passedAt = -1;
                for (int call = 0; call < 1000 && passedAt < 0; call++) {
                    if (call == calls && !controller.isDone()) {
                        CompletableFuture.runAsync(() -> {
                            succeeded.set(true);
                            api.setStatus(NS, job, "Complete", null, null);
                        }).whenComplete((x, e) -> controller.complete(null));
                    }
                    VerifierAnswer a = answer(v.verify(hook));
                    if (a.flaggerPasses()) {
                        assertThat(succeeded).as("round %d: a pass before the Job succeeded", round).isTrue();
                        assertThat(a.status()).isEqualTo(200);
                        passedAt = call;
                    } else {
                        assertThat(a.status()).isEqualTo(503);
                    }
                }
                assertThat(passedAt).as("round %d passed", round).isGreaterThanOrEqualTo(calls);
                controller.get(10, TimeUnit.SECONDS);
            }
        }

        @Test
        @DisplayName("50 concurrent webhooks for one checksum create exactly one Job, and all are answered when it ends")
        void fiftyWebhooksOneJob() throws Exception {
            CanaryVerifier v = start("ephemera.dev", VerifierMode.GATE);
            api.putSpec(NS, "my-app", Map.of("image", "alpine"));
            eventually("the spec is cached", () -> jobs.spec(NS, "my-app").isPresent());
            ExecutorService callers = Executors.newFixedThreadPool(50);
            CountDownLatch ready = new CountDownLatch(50);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<CompletableFuture<VerifierAnswer>>> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                calls.add(callers.submit(() -> {
                    ready.countDown();
                    go.await();
                    return v.verify(HOOK).toCompletableFuture();
                }));
            }
            assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            List<CompletableFuture<VerifierAnswer>> held = new ArrayList<>();
            for (var c : calls) {
                held.add(c.get(10, TimeUnit.SECONDS));
            }
            callers.shutdown();
            eventually("the Job exists", () -> api.job(NS, JOB) != null);
            assertThat(api.jobs(NS)).hasSize(1);
            api.setStatus(NS, JOB, "Complete", null, null);
            assertThat(held).allSatisfy(f -> assertThat(answer(f).status()).isEqualTo(200));
            assertThat(api.jobs(NS)).hasSize(1);
        }
    }

    @Nested
    @DisplayName("kubectl pointed at the same API server")
    class Kubectl {
        @Test
        @DisplayName("lists the drop-in Job by seed 001's label selector")
        void listsBySeedLabel(@TempDir Path dir) throws Exception {
            Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed (Debian package kubectl / kubernetes-client)");
            CanaryVerifier v = start("remarkable.com", VerifierMode.SEED);
            assertThat(jobs.dropIn()).isTrue();
            api.putSpec(NS, "my-app", Map.of("image", "alpine"));
            eventually("the spec is cached", () -> jobs.spec(NS, "my-app").isPresent());
            assertThat(answer(v.verify(HOOK)).status()).isEqualTo(202);
            expectDiscovery();

            Path kubeconfig = writeKubeconfig(dir);
            Result seedLabel = kubectl(dir, kubeconfig, "get", "jobs", "-n", NS, "-l", "remarkable.com/managed-by=e2e-verifier", "-o", "name");
            assertThat(seedLabel.exit).as(seedLabel.err).isZero();
            assertThat(seedLabel.out.strip()).isEqualTo("job.batch/" + JOB);
            Result ourLabel = kubectl(dir, kubeconfig, "get", "jobs", "-n", NS, "-l", "ephemera.dev/managed-by=e2e-verifier", "-o", "name");
            assertThat(ourLabel.out.strip()).isEqualTo("job.batch/" + JOB);
            Result none = kubectl(dir, kubeconfig, "get", "jobs", "-n", NS, "-l", "remarkable.com/managed-by=someone-else", "-o", "name");
            assertThat(none.exit).as(none.err).isZero();
            assertThat(none.out.strip()).isEmpty();
        }

        /** kubectl asks for discovery with a query string; CRUD mode does not serve it by itself. */
        private void expectDiscovery() {
            var server = api.server();
            var versions = new APIVersionsBuilder().withVersions("v1").build();
            var groups = new APIGroupListBuilder()
                    .addNewGroup().withName("batch").addNewVersion().withGroupVersion("batch/v1").withVersion("v1").endVersion()
                    .withNewPreferredVersion().withGroupVersion("batch/v1").withVersion("v1").endPreferredVersion().endGroup()
                    .addNewGroup().withName(api.group).addNewVersion().withGroupVersion(api.group + "/v1").withVersion("v1").endVersion()
                    .withNewPreferredVersion().withGroupVersion(api.group + "/v1").withVersion("v1").endPreferredVersion().endGroup()
                    .build();
            var batch = new APIResourceListBuilder().withGroupVersion("batch/v1")
                    .addNewResource().withName("jobs").withKind("Job").withNamespaced(true).withSingularName("job")
                    .withVerbs("create", "delete", "get", "list", "patch", "update", "watch").endResource().build();
            var core = new APIResourceListBuilder().withGroupVersion("v1").build();
            var crd = new APIResourceListBuilder().withGroupVersion(api.group + "/v1")
                    .addNewResource().withName("e2especs").withKind("E2ESpec").withNamespaced(true).withSingularName("e2espec")
                    .withVerbs("get", "list", "watch").endResource().build();
            for (String q : List.of("?timeout=32s", "")) {
                server.expect().get().withPath("/api" + q).andReturn(200, versions).always();
                server.expect().get().withPath("/apis" + q).andReturn(200, groups).always();
                server.expect().get().withPath("/api/v1" + q).andReturn(200, core).always();
                server.expect().get().withPath("/apis/batch/v1" + q).andReturn(200, batch).always();
                server.expect().get().withPath("/apis/" + api.group + "/v1" + q).andReturn(200, crd).always();
            }
        }

        private Path writeKubeconfig(Path dir) throws IOException {
            Path file = dir.resolve("kubeconfig");
            Files.writeString(file, """
                    apiVersion: v1
                    kind: Config
                    clusters:
                    - name: mock
                      cluster: {server: "http://127.0.0.1:%d"}
                    users:
                    - name: u
                      user: {token: t}
                    contexts:
                    - name: mock
                      context: {cluster: mock, user: u, namespace: %s}
                    current-context: mock
                    """.formatted(api.port(), NS));
            return file;
        }
    }

    record Result(int exit, String out, String err) {
    }

    static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    static Result kubectl(Path dir, Path kubeconfig, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "--cache-dir", dir.resolve("cache").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile()).start();
        if (!p.waitFor(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl did not finish in 30 s");
        }
        return new Result(p.exitValue(), Files.readString(dir.resolve("out"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("err"), StandardCharsets.UTF_8));
    }
}
