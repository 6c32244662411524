package dev.ephemera.application.canary;

import dev.ephemera.domain.canary.CanaryWebhook;
import dev.ephemera.domain.canary.E2ESpec;
import dev.ephemera.domain.canary.HoldPolicy;
import dev.ephemera.domain.canary.Verdict;
import dev.ephemera.domain.canary.VerifierMode;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.canary.CanaryJob;
import dev.ephemera.ports.canary.CanaryJobs;
import dev.ephemera.ports.canary.JobRequest;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers Flagger's webhook for a canary revision from its test Job.
 *
 * <p>In {@code seed} mode the answer is seed 001's table: 200 succeeded, 202 created or running,
 * 404 no spec, 500 failed. In {@code gate} mode (the default) a running Job's request is held,
 * woken by the Job cache, and answered 200 or 500 when the Job ends, or 503 with
 * {@code Retry-After} when the hold runs out: Flagger counts every status up to 202 as a pass and
 * does not call a passed pre-rollout hook again, so only gate mode keeps an untested revision out.
 *
 * <p>Answers are {@link CompletionStage}s: a held request occupies no thread. Cancelling the
 * stage's {@code toCompletableFuture()} (the caller went away) ends the hold and nothing else;
 * the Job runs on, and the next call re-attaches to it.
 *
 * <p>One instance per process: it keeps the creates in flight, so racing webhooks make one Job.
 */
@Singleton
public final class CanaryVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(CanaryVerifier.class);
    private static final int LOG_TAIL_CACHE = 256;

    private final CanaryJobs jobs;
    private final VerifierOptions options;
    private final Clock clock;
    /** One create in flight per Job, so racing webhooks for one checksum make one API call. */
    private final Map<String, CompletableFuture<CanaryJob>> creating = new ConcurrentHashMap<>();
    /** Failed Jobs' log tails by uid: a failed Job does not change, so its log is fetched once. */
    private final Map<String, CompletableFuture<List<String>>> logTails = java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<List<String>>> eldest) {
                    return size() > LOG_TAIL_CACHE;
                }
            });

    @Inject
    public CanaryVerifier(CanaryJobs jobs, VerifierOptions options) {
        this(jobs, options, Clock.systemUTC());
    }

    public CanaryVerifier(CanaryJobs jobs, VerifierOptions options, Clock clock) {
        this.jobs = Objects.requireNonNull(jobs, "jobs");
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public VerifierOptions options() {
        return options;
    }

    /**
     * Answers one webhook with the server's mode (or the canary's metadata {@code mode}).
     *
     * @throws EphemeraException INVALID at once when metadata {@code mode} or {@code hold} is malformed
     */
    public CompletionStage<VerifierAnswer> verify(CanaryWebhook hook) {
        return verify(hook, Optional.empty(), Optional.empty());
    }

    /**
     * Answers one webhook.
     *
     * @param mode    overrides both the server's mode and the canary's metadata
     * @param maxHold replaces the server's hold cap (the CLI's {@code --timeout})
     * @throws EphemeraException INVALID at once when metadata {@code mode} or {@code hold} is malformed
     */
    public CompletionStage<VerifierAnswer> verify(CanaryWebhook hook, Optional<VerifierMode> mode, Optional<Duration> maxHold) {
        Objects.requireNonNull(hook, "hook");
        VerifierMode effective = mode.orElseGet(() -> hook.requestedMode().orElse(options.mode()));
        HoldPolicy policy = maxHold.map(options.hold()::withCap).orElse(options.hold());
        Optional<Duration> requestedHold = hook.requestedHold();
        CompletableFuture<VerifierAnswer> answer = new CompletableFuture<>();
        Call call = new Call(hook, hook.jobName(), effective, policy, requestedHold, answer);
        CompletionStage<Void> synced = jobs.synced();
        CompletableFuture<Void> ready = synced.toCompletableFuture();
        if (ready.isDone() && !ready.isCompletedExceptionally()) {
            relay(safely(call), answer);
        } else {
            CompletableFuture<Void> bounded = new CompletableFuture<>();
            synced.whenComplete((v, e) -> {
                if (e != null) {
                    bounded.completeExceptionally(e);
                } else {
                    bounded.complete(null);
                }
            });
            bounded.orTimeout(options.syncWait().toMillis(), TimeUnit.MILLISECONDS).whenComplete((v, e) -> {
                if (e != null) {
                    answer.completeExceptionally(unwrap(e) instanceof TimeoutException
                            ? EphemeraException.unavailable("the Kubernetes cache has not finished its first listing after "
                                    + DurationText.format(options.syncWait()) + "; check the API server is reachable and call again", null)
                            : unwrap(e));
                } else {
                    relay(safely(call), answer);
                }
            });
            // A caller that leaves stops the wait for the cache too.
            answer.whenComplete((a, e) -> bounded.cancel(false));
        }
        return answer;
    }

    private CompletionStage<VerifierAnswer> safely(Call call) {
        try {
            return decide(call);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletionStage<VerifierAnswer> decide(Call call) {
        String ns = call.hook.namespace();
        Optional<CanaryJob> existing = jobs.job(ns, call.jobName);
        if (existing.isPresent()) {
            return answerFor(call, existing.get(), false);
        }
        Optional<E2ESpec> spec;
        try {
            spec = jobs.spec(ns, call.hook.name());
        } catch (EphemeraException e) {
            if (e.code() != ErrorCode.INVALID) {
                throw e;
            }
            return CompletableFuture.completedFuture(answer(call, Verdict.FAILED,
                    "E2ESpec " + ns + "/" + call.hook.name() + " is invalid, so no test Job was created: " + e.getMessage(),
                    Optional.of("InvalidSpec"), List.of(), Optional.empty()));
        }
        if (spec.isEmpty()) {
            return CompletableFuture.completedFuture(new VerifierAnswer(call.mode.status(Verdict.NO_SPEC), Verdict.NO_SPEC, call.mode,
                    Optional.empty(), "no E2ESpec " + ns + "/" + call.hook.name()
                            + ": create one named after the canary, in its namespace, to describe the test Job",
                    Optional.of("NoSpec"), List.of(), Optional.empty()));
        }
        return createOnce(call, spec.get()).thenCompose(job -> answerFor(call, job, true));
    }

    private CompletableFuture<CanaryJob> createOnce(Call call, E2ESpec spec) {
        String key = call.hook.namespace() + "/" + call.jobName;
        CompletableFuture<CanaryJob> mine = new CompletableFuture<>();
        CompletableFuture<CanaryJob> racing = creating.putIfAbsent(key, mine);
        if (racing != null) {
            return racing;
        }
        JobRequest request = new JobRequest(call.hook.namespace(), call.jobName, spec, call.hook.jobEnvironment(),
                labels(), annotations(call.hook));
        CompletionStage<CanaryJob> created;
        try {
            created = jobs.create(request);
        } catch (RuntimeException e) {
            created = CompletableFuture.failedFuture(e);
        }
        created.whenComplete((job, e) -> {
            creating.remove(key, mine);
            if (e != null) {
                LOG.warn("creating test Job failed job={} namespace={} error={}", call.jobName, call.hook.namespace(), unwrap(e).getMessage());
                mine.completeExceptionally(unwrap(e));
            } else {
                LOG.info("test Job created job={} namespace={} canary={} checksum={}", call.jobName, call.hook.namespace(),
                        call.hook.name(), call.hook.checksum());
                mine.complete(job);
            }
        });
        return mine;
    }

    private Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(CanaryJobs.MANAGED_BY, CanaryJobs.MANAGER);
        if (jobs.dropIn()) {
            labels.put(CanaryJobs.SEED_MANAGED_BY, CanaryJobs.MANAGER);
        }
        return labels;
    }

    private static Map<String, String> annotations(CanaryWebhook hook) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("ephemera.dev/canary", hook.namespace() + "/" + hook.name());
        a.put("ephemera.dev/checksum", hook.checksum());
        return a;
    }

    private CompletionStage<VerifierAnswer> answerFor(Call call, CanaryJob job, boolean justCreated) {
        return switch (job.phase()) {
            case SUCCEEDED -> CompletableFuture.completedFuture(answer(call, Verdict.PASSED,
                    "test Job " + job.name() + " succeeded", job.reason(), List.of(), Optional.empty()));
            case FAILED -> failed(call, job);
            case RUNNING -> call.mode == VerifierMode.SEED
                    ? CompletableFuture.completedFuture(answer(call, Verdict.RUNNING,
                            "test Job " + job.name() + (justCreated ? " created" : " is still running"),
                            Optional.of(justCreated ? "Created" : "Running"), List.of(), Optional.empty()))
                    : hold(call, job);
        };
    }

    private CompletionStage<VerifierAnswer> hold(Call call, CanaryJob job) {
        Duration hold = call.policy.holdFor(job.activeDeadlineSeconds(), job.startTime(), call.requestedHold, clock.instant());
        CompletableFuture<CanaryJob> end = jobs.awaitEnd(job.namespace(), job.name());
        CompletableFuture<VerifierAnswer> answer = new CompletableFuture<>();
        end.whenComplete((ended, e) -> {
            if (e != null) {
                if (!end.isCancelled()) {
                    answer.completeExceptionally(unwrap(e));
                }
                return;
            }
            relay(answerFor(call, ended, false), answer);
        });
        Duration retry = call.policy.retryAfter();
        answer.completeOnTimeout(answer(call, Verdict.RUNNING,
                "test Job " + job.name() + " is still running after a hold of " + DurationText.format(hold)
                        + "; this is a failed check, not a pass: call again to re-attach to the same Job",
                Optional.of("StillRunning"), List.of(), Optional.of(retry)), hold.toMillis(), TimeUnit.MILLISECONDS);
        // Whatever ends the hold (the Job, the timeout, a caller that left) also ends the wait on the cache.
        answer.whenComplete((a, e) -> end.cancel(false));
        // The caller holds the outer answer: when it is cancelled (the client went away) the hold ends too.
        call.answer.whenComplete((a, e) -> answer.cancel(false));
        return answer;
    }

    private CompletionStage<VerifierAnswer> failed(Call call, CanaryJob job) {
        String why = job.reason().orElse("Failed") + job.message().map(m -> ": " + m).orElse("");
        String message = "test Job " + job.name() + " failed: " + why;
        if (options.logTailLines() == 0 || CanaryJob.DELETED.equals(job.reason().orElse(""))) {
            return CompletableFuture.completedFuture(answer(call, Verdict.FAILED, message, job.reason(), List.of(), Optional.empty()));
        }
        return logTail(job).handle((lines, e) -> {
            List<String> tail = e == null ? lines : List.of("(log unavailable: " + unwrap(e).getMessage() + ")");
            return answer(call, Verdict.FAILED, message, job.reason().or(() -> Optional.of("Failed")), tail, Optional.empty());
        });
    }

    private CompletableFuture<List<String>> logTail(CanaryJob job) {
        String key = job.uid().isEmpty() ? job.namespace() + "/" + job.name() : job.uid();
        CompletableFuture<List<String>> mine = new CompletableFuture<>();
        CompletableFuture<List<String>> cached = logTails.putIfAbsent(key, mine);
        if (cached != null) {
            return cached;
        }
        CompletionStage<List<String>> fetched;
        try {
            fetched = jobs.logTail(job.namespace(), job.name(), options.logTailLines());
        } catch (RuntimeException e) {
            fetched = CompletableFuture.failedFuture(e);
        }
        fetched.whenComplete((lines, e) -> {
            if (e != null) {
                logTails.remove(key, mine);
                mine.completeExceptionally(unwrap(e));
            } else {
                mine.complete(List.copyOf(lines));
            }
        });
        return mine;
    }

    private VerifierAnswer answer(Call call, Verdict verdict, String message, Optional<String> reason, List<String> tail,
            Optional<Duration> retryAfter) {
        return new VerifierAnswer(call.mode.status(verdict), verdict, call.mode, Optional.of(call.jobName), message, reason, tail, retryAfter);
    }

    private static <T> void relay(CompletionStage<T> from, CompletableFuture<T> to) {
        from.whenComplete((v, e) -> {
            if (e != null) {
                to.completeExceptionally(unwrap(e));
            } else {
                to.complete(v);
            }
        });
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private record Call(CanaryWebhook hook, String jobName, VerifierMode mode, HoldPolicy policy, Optional<Duration> requestedHold,
            CompletableFuture<VerifierAnswer> answer) {
    }
}
