package dev.ephemera.testkit.inmemory;

import dev.ephemera.domain.canary.E2ESpec;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.ports.canary.CanaryJob;
import dev.ephemera.ports.canary.CanaryJobs;
import dev.ephemera.ports.canary.JobPhase;
import dev.ephemera.ports.canary.JobRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test double of {@link CanaryJobs} for application tests: specs and Jobs in maps, with the
 * test playing the Job controller ({@link #succeed}, {@link #fail}). It keeps the port's promises
 * that matter to callers — create is idempotent by name, {@link #awaitEnd} is woken by a status
 * change and cancelling it removes the waiter — and counts API-like calls so tests can assert
 * that a cached answer made none. Not a Kubernetes fake: the real adapter is tested against
 * fabric8's mock API server.
 */
public final class InMemoryCanaryJobs implements CanaryJobs {
    private final Map<String, E2ESpec> specs = new ConcurrentHashMap<>();
    private final Map<String, EphemeraException> brokenSpecs = new ConcurrentHashMap<>();
    private final Map<String, CanaryJob> jobs = new ConcurrentHashMap<>();
    private final Map<String, JobRequest> requests = new ConcurrentHashMap<>();
    private final Map<String, List<String>> logs = new ConcurrentHashMap<>();
    private final Map<String, Set<CompletableFuture<CanaryJob>>> waiters = new ConcurrentHashMap<>();
    private final List<JobRequest> createCalls = new CopyOnWriteArrayList<>();
    private final AtomicInteger logCalls = new AtomicInteger();
    private final AtomicInteger uids = new AtomicInteger();
    private volatile CompletableFuture<Void> synced = CompletableFuture.completedFuture(null);
    private volatile CompletableFuture<Void> createGate = CompletableFuture.completedFuture(null);
    private final boolean dropIn;

    public InMemoryCanaryJobs() {
        this(false);
    }

    public InMemoryCanaryJobs(boolean dropIn) {
        this.dropIn = dropIn;
    }

    // --- the test's side ---

    public InMemoryCanaryJobs putSpec(E2ESpec spec) {
        specs.put(key(spec.namespace(), spec.name()), spec);
        return this;
    }

    /** Makes {@link #spec} throw as the real adapter does for a stored spec that breaks a rule. */
    public InMemoryCanaryJobs putBrokenSpec(String namespace, String name, String problem) {
        brokenSpecs.put(key(namespace, name), EphemeraException.invalid("E2ESpec " + namespace + "/" + name + ": " + problem));
        return this;
    }

    /** Until {@code gate} completes, creates do not return (to line up racing webhooks). */
    public InMemoryCanaryJobs holdCreatesUntil(CompletableFuture<Void> gate) {
        this.createGate = gate;
        return this;
    }

    /** Until {@code done} completes, {@link #synced()} is not complete. */
    public InMemoryCanaryJobs syncedWhen(CompletableFuture<Void> done) {
        this.synced = done;
        return this;
    }

    /** Puts a Job as if it had been created earlier (by another replica, or the seed's verifier). */
    public InMemoryCanaryJobs putJob(CanaryJob job) {
        jobs.put(key(job.namespace(), job.name()), job);
        wake(job);
        return this;
    }

    public InMemoryCanaryJobs setLog(String namespace, String jobName, List<String> lines) {
        logs.put(key(namespace, jobName), List.copyOf(lines));
        return this;
    }

    public void start(String namespace, String jobName, Instant at) {
        update(namespace, jobName, j -> j.withStartTime(at));
    }

    public void succeed(String namespace, String jobName) {
        update(namespace, jobName, j -> j.withPhase(JobPhase.SUCCEEDED, null, null));
    }

    public void fail(String namespace, String jobName, String reason, String message) {
        update(namespace, jobName, j -> j.withPhase(JobPhase.FAILED, reason, message));
    }

    public void delete(String namespace, String jobName) {
        CanaryJob gone = jobs.remove(key(namespace, jobName));
        if (gone != null && !gone.phase().isFinal()) {
            wake(gone.withPhase(JobPhase.FAILED, CanaryJob.DELETED, "the Job was deleted before it ended"));
        }
    }

    public int createCalls() {
        return createCalls.size();
    }

    public int jobCount() {
        return jobs.size();
    }

    public int logCalls() {
        return logCalls.get();
    }

    public Optional<JobRequest> request(String namespace, String jobName) {
        return Optional.ofNullable(requests.get(key(namespace, jobName)));
    }

    /** Callers currently waiting for the Job to end. */
    public int waiting(String namespace, String jobName) {
        Set<CompletableFuture<CanaryJob>> set = waiters.get(key(namespace, jobName));
        return set == null ? 0 : set.size();
    }

    public int waitingTotal() {
        return waiters.values().stream().mapToInt(Set::size).sum();
    }

    // --- the port ---

    @Override
    public CompletionStage<Void> synced() {
        return synced;
    }

    @Override
    public boolean dropIn() {
        return dropIn;
    }

    @Override
    public Optional<E2ESpec> spec(String namespace, String name) {
        EphemeraException broken = brokenSpecs.get(key(namespace, name));
        if (broken != null) {
            throw broken;
        }
        return Optional.ofNullable(specs.get(key(namespace, name)));
    }

    @Override
    public Optional<CanaryJob> job(String namespace, String name) {
        return Optional.ofNullable(jobs.get(key(namespace, name)));
    }

    @Override
    public CompletionStage<CanaryJob> create(JobRequest request) {
        createCalls.add(request);
        return createGate.thenApply(v -> {
            String k = key(request.namespace(), request.name());
            CanaryJob[] made = new CanaryJob[1];
            CanaryJob job = jobs.computeIfAbsent(k, x -> {
                requests.put(k, request);
                made[0] = CanaryJob.running(request.namespace(), request.name(), "uid-" + uids.incrementAndGet(),
                        request.spec().activeDeadlineSeconds());
                return made[0];
            });
            return job;
        });
    }

    @Override
    public CompletableFuture<CanaryJob> awaitEnd(String namespace, String name) {
        String k = key(namespace, name);
        CompletableFuture<CanaryJob> f = new CompletableFuture<>();
        Set<CompletableFuture<CanaryJob>> set = waiters.computeIfAbsent(k, x -> ConcurrentHashMap.newKeySet());
        set.add(f);
        f.whenComplete((j, e) -> set.remove(f));
        // Registered first, then checked: an end that happened in between is not missed.
        CanaryJob now = jobs.get(k);
        if (now != null && now.phase().isFinal()) {
            f.complete(now);
        }
        return f;
    }

    @Override
    public CompletionStage<List<String>> logTail(String namespace, String name, int lines) {
        logCalls.incrementAndGet();
        List<String> all = logs.getOrDefault(key(namespace, name), List.of());
        return CompletableFuture.completedFuture(new ArrayList<>(all.subList(Math.max(0, all.size() - lines), all.size())));
    }

    private void update(String namespace, String jobName, java.util.function.UnaryOperator<CanaryJob> change) {
        CanaryJob next = jobs.computeIfPresent(key(namespace, jobName), (k, j) -> change.apply(j));
        if (next == null) {
            throw new IllegalStateException("no Job " + namespace + "/" + jobName + " to update");
        }
        wake(next);
    }

    private void wake(CanaryJob job) {
        if (!job.phase().isFinal()) {
            return;
        }
        Set<CompletableFuture<CanaryJob>> set = waiters.get(key(job.namespace(), job.name()));
        if (set != null) {
            for (CompletableFuture<CanaryJob> f : List.copyOf(set)) {
                f.complete(job);
            }
        }
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}
