package dev.ephemera.application.canary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.canary.CanaryWebhook;
import dev.ephemera.domain.canary.E2ESpec;
import dev.ephemera.domain.canary.HoldPolicy;
import dev.ephemera.domain.canary.Verdict;
import dev.ephemera.domain.canary.VerifierMode;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.canary.CanaryJob;
import dev.ephemera.ports.canary.CanaryJobs;
import dev.ephemera.ports.canary.JobPhase;
import dev.ephemera.ports.canary.JobRequest;
import dev.ephemera.testkit.inmemory.InMemoryCanaryJobs;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class CanaryVerifierTest {
    private static final String NS = "shop";
    private static final E2ESpec SPEC = E2ESpec.builder(NS, "my-app", "alpine:3.20")
            .command(List.of("/bin/sh")).args(List.of("-c", "echo ok"))
            .activeDeadlineSeconds(600L).build();
    private static final CanaryWebhook HOOK = CanaryWebhook.of("my-app", NS, "Progressing", "85d557f47b");
    private static final String JOB = "e2e-my-app-85d557f47b";

    private final InMemoryCanaryJobs jobs = new InMemoryCanaryJobs();
    private final ExecutorService pool = Executors.newFixedThreadPool(8);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private CanaryVerifier verifier(VerifierMode mode) {
        return new CanaryVerifier(jobs, VerifierOptions.DEFAULT.withMode(mode));
    }

    private static VerifierAnswer now(java.util.concurrent.CompletionStage<VerifierAnswer> stage) {
        try {
            return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no answer within 10 s", e);
        }
    }

    private static CanaryWebhook withMetadata(Map<String, String> metadata) {
        return new CanaryWebhook(HOOK.name(), HOOK.namespace(), HOOK.phase(), HOOK.checksum(), metadata);
    }

    @Nested
    @DisplayName("seed mode answers exactly as seed 001")
    class Seed {
        private final CanaryVerifier verifier = verifier(VerifierMode.SEED);

        @Test
        @DisplayName("404 when there is no E2ESpec, and no Job is made")
        void noSpec() {
            VerifierAnswer a = now(verifier.verify(HOOK));
            assertThat(a.status()).isEqualTo(404);
            assertThat(a.verdict()).isEqualTo(Verdict.NO_SPEC);
            assertThat(a.message()).contains("no E2ESpec shop/my-app");
            assertThat(jobs.createCalls()).isZero();
        }

        @Test
        @DisplayName("202 when the Job is created, with the seven variables and the managed-by label")
        void created() {
            jobs.putSpec(SPEC);
            VerifierAnswer a = now(verifier.verify(HOOK));
            assertThat(a.status()).isEqualTo(202);
            assertThat(a.verdict()).isEqualTo(Verdict.RUNNING);
            assertThat(a.reason()).contains("Created");
            assertThat(a.job()).contains(JOB);
            JobRequest r = jobs.request(NS, JOB).orElseThrow();
            assertThat(r.spec()).isEqualTo(SPEC);
            assertThat(r.environment()).containsOnlyKeys("CANARY_NAME", "CANARY_NAMESPACE", "CANARY_PHASE", "CANARY_CHECKSUM",
                    "EVENT_MESSAGE", "EVENT_TYPE", "EVENT_TIMESTAMP");
            assertThat(r.environment()).containsEntry("CANARY_CHECKSUM", "85d557f47b").containsEntry("EVENT_MESSAGE", "");
            assertThat(r.labels()).containsExactly(Map.entry("ephemera.dev/managed-by", "e2e-verifier"));
        }

        @Test
        @DisplayName("202 while the Job runs, 200 once it succeeded, without creating it again")
        void runningThenSucceeded() {
            jobs.putSpec(SPEC);
            now(verifier.verify(HOOK));
            assertThat(now(verifier.verify(HOOK)).status()).isEqualTo(202);
            jobs.succeed(NS, JOB);
            VerifierAnswer a = now(verifier.verify(HOOK));
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.verdict()).isEqualTo(Verdict.PASSED);
            assertThat(jobs.createCalls()).isEqualTo(1);
        }

        @Test
        @DisplayName("500 when the Job failed, with the reason and the log tail")
        void failed() {
            jobs.putSpec(SPEC).setLog(NS, JOB, List.of("line 1", "AssertionError: expected 200 got 503"));
            now(verifier.verify(HOOK));
            jobs.fail(NS, JOB, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
            VerifierAnswer a = now(verifier.verify(HOOK));
            assertThat(a.status()).isEqualTo(500);
            assertThat(a.verdict()).isEqualTo(Verdict.FAILED);
            assertThat(a.message()).contains(JOB, "BackoffLimitExceeded", "backoff limit");
            assertThat(a.logTail()).containsExactly("line 1", "AssertionError: expected 200 got 503");
        }

        @Test
        @DisplayName("a Job the spec was deleted after is still answered from the Job")
        void jobWithoutSpec() {
            jobs.putJob(CanaryJob.running(NS, JOB, "u1", Optional.empty()).withPhase(JobPhase.SUCCEEDED, null, null));
            assertThat(now(verifier.verify(HOOK)).status()).isEqualTo(200);
        }

        @Test
        @DisplayName("drop-in mode adds the seed's remarkable.com/managed-by label")
        void dropInLabel() {
            InMemoryCanaryJobs dropIn = new InMemoryCanaryJobs(true).putSpec(SPEC);
            now(new CanaryVerifier(dropIn, VerifierOptions.DEFAULT.withMode(VerifierMode.SEED)).verify(HOOK));
            assertThat(dropIn.request(NS, JOB).orElseThrow().labels())
                    .containsEntry("ephemera.dev/managed-by", "e2e-verifier")
                    .containsEntry("remarkable.com/managed-by", "e2e-verifier");
        }

        @Test
        @DisplayName("an invalid stored spec is a failed check naming the problem, and makes no Job")
        void invalidSpec() {
            jobs.putBrokenSpec(NS, "my-app", "spec.image is required");
            VerifierAnswer a = now(verifier.verify(HOOK));
            assertThat(a.status()).isEqualTo(500);
            assertThat(a.reason()).contains("InvalidSpec");
            assertThat(a.message()).contains("spec.image");
            assertThat(jobs.createCalls()).isZero();
        }

        @Test
        @DisplayName("a long canary name gives a Job name of at most 63 characters")
        void longName() {
            String name = "a-very-long-canary-name-that-goes-on-and-on-for-many-chars";
            jobs.putSpec(E2ESpec.builder(NS, name, "alpine").build());
            VerifierAnswer a = now(verifier.verify(CanaryWebhook.of(name, NS, "Progressing", "85d557f47b")));
            assertThat(("e2e-" + name + "-85d557f47b")).hasSizeGreaterThan(63);
            assertThat(a.job().orElseThrow()).hasSizeLessThanOrEqualTo(63).startsWith("e2e-a-very-long");
            assertThat(jobs.request(NS, a.job().orElseThrow())).isPresent();
        }
    }

    @Nested
    @DisplayName("gate mode never answers 2xx before the Job succeeded")
    class Gate {
        private final CanaryVerifier verifier = verifier(VerifierMode.GATE);

        @Test
        @DisplayName("404 when there is no E2ESpec")
        void noSpec() {
            assertThat(now(verifier.verify(HOOK)).status()).isEqualTo(404);
        }

        @Test
        @DisplayName("a held request is answered 200 once the Job succeeds")
        void heldUntilSuccess() {
            jobs.putSpec(SPEC);
            CompletableFuture<VerifierAnswer> held = verifier.verify(HOOK).toCompletableFuture();
            assertThat(held).isNotDone();
            assertThat(jobs.waiting(NS, JOB)).isEqualTo(1);
            jobs.succeed(NS, JOB);
            VerifierAnswer a = now(held);
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.verdict()).isEqualTo(Verdict.PASSED);
            assertThat(jobs.waiting(NS, JOB)).isZero();
        }

        @Test
        @DisplayName("a held request is answered 500 with the log tail once the Job fails")
        void heldUntilFailure() {
            jobs.putSpec(SPEC).setLog(NS, JOB, IntStream.rangeClosed(1, 100).mapToObj(i -> "line " + i).toList());
            CompletableFuture<VerifierAnswer> held = verifier.verify(HOOK).toCompletableFuture();
            jobs.fail(NS, JOB, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
            VerifierAnswer a = now(held);
            assertThat(a.status()).isEqualTo(500);
            assertThat(a.logTail()).hasSize(40).endsWith("line 100");
            assertThat(a.message()).contains(JOB, "BackoffLimitExceeded");
        }

        @Test
        @DisplayName("503 with Retry-After when the hold runs out, and the next call re-attaches to the same Job")
        void holdRunsOutThenReattaches() {
            jobs.putSpec(SPEC);
            VerifierAnswer first = now(verifier.verify(withMetadata(Map.of("hold", "50ms"))));
            assertThat(first.status()).isEqualTo(503);
            assertThat(first.flaggerPasses()).isFalse();
            assertThat(first.retryAfter()).contains(Duration.ofSeconds(5));
            assertThat(first.message()).contains("still running", "not a pass");
            assertThat(jobs.waiting(NS, JOB)).isZero();

            CompletableFuture<VerifierAnswer> second = verifier.verify(HOOK).toCompletableFuture();
            assertThat(second).isNotDone();
            assertThat(jobs.createCalls()).isEqualTo(1);
            assertThat(jobs.waiting(NS, JOB)).isEqualTo(1);
            jobs.succeed(NS, JOB);
            assertThat(now(second).status()).isEqualTo(200);
        }

        @Test
        @DisplayName("the hold ends at the Job's deadline plus the margin")
        void holdEndsAtDeadline() {
            HoldPolicy hold = new HoldPolicy(Duration.ofMinutes(15), Duration.ofMillis(30), Duration.ofSeconds(2));
            CanaryVerifier v = new CanaryVerifier(jobs, VerifierOptions.DEFAULT.withHold(hold));
            jobs.putJob(CanaryJob.running(NS, JOB, "u1", Optional.of(60L)).withStartTime(Instant.now().minusSeconds(3600)));
            VerifierAnswer a = now(v.verify(HOOK));
            assertThat(a.status()).isEqualTo(503);
            assertThat(a.retryAfter()).contains(Duration.ofSeconds(2));
        }

        @Test
        @DisplayName("a caller that leaves stops its hold; the Job runs on")
        void callerLeaves() {
            jobs.putSpec(SPEC);
            CompletableFuture<VerifierAnswer> held = verifier.verify(HOOK).toCompletableFuture();
            assertThat(jobs.waiting(NS, JOB)).isEqualTo(1);
            held.cancel(false);
            assertThat(jobs.waiting(NS, JOB)).isZero();
            assertThat(jobs.job(NS, JOB).orElseThrow().phase()).isEqualTo(JobPhase.RUNNING);
        }

        @Test
        @DisplayName("metadata mode=seed switches one canary back to the seed's table")
        void metadataMode() {
            jobs.putSpec(SPEC);
            assertThat(now(verifier.verify(withMetadata(Map.of("mode", "seed")))).status()).isEqualTo(202);
        }

        @Test
        @DisplayName("malformed metadata is refused at once as INVALID")
        void malformedMetadata() {
            assertThatThrownBy(() -> verifier.verify(withMetadata(Map.of("mode", "fast"))))
                    .isInstanceOf(EphemeraException.class).hasMessageContaining("gate or seed");
            assertThatThrownBy(() -> verifier.verify(withMetadata(Map.of("hold", "later"))))
                    .isInstanceOf(EphemeraException.class).hasMessageContaining("hold");
        }

        @Test
        @DisplayName("50 racing webhooks for one checksum make one create call and one Job, and all pass together")
        void racingWebhooks() throws Exception {
            jobs.putSpec(SPEC);
            CompletableFuture<Void> gate = new CompletableFuture<>();
            jobs.holdCreatesUntil(gate);
            List<CompletableFuture<VerifierAnswer>> answers = new ArrayList<>();
            List<java.util.concurrent.Future<?>> started = new ArrayList<>();
            java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(50);
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<CompletableFuture<VerifierAnswer>> sync = java.util.Collections.synchronizedList(answers);
            ExecutorService callers = Executors.newFixedThreadPool(50);
            for (int i = 0; i < 50; i++) {
                started.add(callers.submit(() -> {
                    ready.countDown();
                    go.await();
                    sync.add(verifier.verify(HOOK).toCompletableFuture());
                    return null;
                }));
            }
            assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            for (var f : started) {
                f.get(10, TimeUnit.SECONDS);
            }
            callers.shutdown();
            gate.complete(null);
            assertThat(jobs.createCalls()).isEqualTo(1);
            assertThat(jobs.jobCount()).isEqualTo(1);
            assertThat(answers).hasSize(50).allSatisfy(f -> assertThat(f).isNotDone());
            jobs.succeed(NS, JOB);
            assertThat(answers).allSatisfy(f -> assertThat(now(f).status()).isEqualTo(200));
        }

        @Test
        @DisplayName("500 held requests wait on the cache, not on threads, and are all answered when the Job ends")
        void manyHeld() {
            jobs.putSpec(SPEC);
            List<CompletableFuture<VerifierAnswer>> held = IntStream.range(0, 500)
                    .mapToObj(i -> verifier.verify(HOOK).toCompletableFuture()).toList();
            assertThat(jobs.waiting(NS, JOB)).isEqualTo(500);
            // Held requests are stages, not threads: no thread but this one is inside the verifier.
            assertThat(threadsInside("dev.ephemera.application.canary")).isEmpty();
            jobs.fail(NS, JOB, "DeadlineExceeded", "Job was active longer than specified deadline");
            assertThat(held).allSatisfy(f -> assertThat(now(f).status()).isEqualTo(500));
            assertThat(jobs.logCalls()).isEqualTo(1);
            assertThat(jobs.waitingTotal()).isZero();
        }

        @Test
        @DisplayName("a Job deleted while held is a failed check")
        void deletedWhileHeld() {
            jobs.putSpec(SPEC);
            CompletableFuture<VerifierAnswer> held = verifier.verify(HOOK).toCompletableFuture();
            jobs.delete(NS, JOB);
            VerifierAnswer a = now(held);
            assertThat(a.status()).isEqualTo(500);
            assertThat(a.reason()).contains(CanaryJob.DELETED);
        }
    }

    @Nested
    @DisplayName("Flagger's side of the contract: every status up to 202 is a pass")
    class FlaggerSide {

        /**
         * Plays Flagger: calls the hook until it passes (status ≤ 202) or fails for good, while the
         * test plays the Job controller and marks the Job Complete at a random moment. Records
         * whether the Job had succeeded when each pass was seen.
         */
        private List<Boolean> passesSeenBeforeSuccess(InMemoryCanaryJobs jobs, VerifierMode mode, long seed) throws Exception {
            CanaryVerifier verifier = new CanaryVerifier(jobs, VerifierOptions.DEFAULT.withMode(mode));
            java.util.Random random = new java.util.Random(seed);
            jobs.putSpec(SPEC);
            java.util.concurrent.atomic.AtomicBoolean succeeded = new java.util.concurrent.atomic.AtomicBoolean();
            CompletableFuture<Void> controller = CompletableFuture.runAsync(() -> {
                // Let a random number of webhook calls go by before the Job ends.
                int spins = random.nextInt(2000);
                for (int i = 0; i < spins; i++) {
                    Thread.onSpinWait();
                }
                while (jobs.job(NS, JOB).isEmpty()) {
                    Thread.onSpinWait();
                }
                succeeded.set(true);
                jobs.succeed(NS, JOB);
            }, pool);
            List<Boolean> passes = new ArrayList<>();
            CanaryWebhook hook = withMetadata(Map.of("hold", (1 + random.nextInt(5)) + "ms"));
            for (int call = 0; call < 10_000; call++) {
                VerifierAnswer a = now(verifier.verify(hook));
                if (a.flaggerPasses()) {
                    passes.add(succeeded.get());
                    break;
                }
                assertThat(a.status()).isEqualTo(503);
            }
            controller.get(10, TimeUnit.SECONDS);
            return passes;
        }

        @Test
        @DisplayName("in gate mode no call passes before the Job has succeeded, whatever the timing")
        void gateNeverPassesEarly() throws Exception {
            for (long seed = 0; seed < 20; seed++) {
                List<Boolean> passes = passesSeenBeforeSuccess(new InMemoryCanaryJobs(), VerifierMode.GATE, seed);
                assertThat(passes).as("seed %d", seed).containsExactly(true);
            }
        }

        @Test
        @DisplayName("in seed mode the first call already passes, before any test ran: why gate is the default")
        void seedPassesAtOnce() throws Exception {
            jobs.putSpec(SPEC);
            VerifierAnswer first = now(verifier(VerifierMode.SEED).verify(HOOK));
            assertThat(first.status()).isEqualTo(202);
            assertThat(first.flaggerPasses()).isTrue();
            assertThat(jobs.job(NS, JOB).orElseThrow().phase()).isEqualTo(JobPhase.RUNNING);
        }
    }

    @Nested
    @DisplayName("before the cache is synced")
    class NotSynced {
        @Test
        @DisplayName("a request waits for the first listing instead of guessing 404")
        void waitsForSync() {
            CompletableFuture<Void> sync = new CompletableFuture<>();
            jobs.syncedWhen(sync);
            CompletableFuture<VerifierAnswer> a = verifier(VerifierMode.SEED).verify(HOOK).toCompletableFuture();
            assertThat(a).isNotDone();
            jobs.putSpec(SPEC);
            sync.complete(null);
            assertThat(now(a).status()).isEqualTo(202);
        }

        @Test
        @DisplayName("and is answered UNAVAILABLE when the listing does not come in time")
        void unavailableWithoutSync() {
            jobs.syncedWhen(new CompletableFuture<>());
            CanaryVerifier v = new CanaryVerifier(jobs, new VerifierOptions(VerifierMode.GATE, HoldPolicy.DEFAULT, 40, Duration.ofMillis(20)));
            assertThatThrownBy(() -> v.verify(HOOK).toCompletableFuture().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(EphemeraException.class)
                    .satisfies(e -> assertThat(((EphemeraException) e).code()).isEqualTo(ErrorCode.UNAVAILABLE));
        }
    }

    @Test
    @DisplayName("a failing create is reported, and the next call tries again")
    void failingCreate() {
        CanaryJobs failing = new DelegatingJobs(jobs) {
            private int calls;

            @Override
            public java.util.concurrent.CompletionStage<CanaryJob> create(JobRequest request) {
                if (calls++ == 0) {
                    return CompletableFuture.failedFuture(EphemeraException.backend("jobs is forbidden", null));
                }
                return super.create(request);
            }
        };
        jobs.putSpec(SPEC);
        CanaryVerifier v = new CanaryVerifier(failing, VerifierOptions.DEFAULT.withMode(VerifierMode.SEED));
        assertThatThrownBy(() -> v.verify(HOOK).toCompletableFuture().get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(EphemeraException.class).hasMessageContaining("forbidden");
        assertThat(now(v.verify(HOOK)).status()).isEqualTo(202);
    }

    /** Forwards every call, so a test can change one. */
    private static class DelegatingJobs implements CanaryJobs {
        private final CanaryJobs d;

        DelegatingJobs(CanaryJobs d) {
            this.d = d;
        }

        @Override
        public java.util.concurrent.CompletionStage<Void> synced() {
            return d.synced();
        }

        @Override
        public boolean dropIn() {
            return d.dropIn();
        }

        @Override
        public Optional<E2ESpec> spec(String namespace, String name) {
            return d.spec(namespace, name);
        }

        @Override
        public Optional<CanaryJob> job(String namespace, String name) {
            return d.job(namespace, name);
        }

        @Override
        public java.util.concurrent.CompletionStage<CanaryJob> create(JobRequest request) {
            return d.create(request);
        }

        @Override
        public CompletableFuture<CanaryJob> awaitEnd(String namespace, String name) {
            return d.awaitEnd(namespace, name);
        }

        @Override
        public java.util.concurrent.CompletionStage<List<String>> logTail(String namespace, String name, int lines) {
            return d.logTail(namespace, name, lines);
        }
    }

    /** Names of the threads, other than the caller, with a frame of a class in {@code pkg} on their stack. */
    static List<String> threadsInside(String pkg) {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey() != Thread.currentThread())
                .filter(e -> java.util.Arrays.stream(e.getValue()).anyMatch(f -> f.getClassName().startsWith(pkg)))
                .map(e -> e.getKey().getName()).toList();
    }
}
