package dev.ephemera.application;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.ports.state.Limits;
import dev.ephemera.retry.RetryPolicy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's background driver: steps every cluster record that is not settled until it
 * settles — claims made through the API, claims the CLI wrote to the same store, and records a
 * crashed process left behind — with no client waiting.
 *
 * <ul>
 *   <li>At most {@link DriverSettings#maxConcurrent()} clusters are stepped at once, on a fixed
 *       pool of that many threads. A cluster waiting on the outside world holds no thread: its
 *       next step is a timer on one scheduler thread, after a jittered backoff capped by the
 *       step's {@link StepOutcome.Waiting#maxDelay()}.</li>
 *   <li>Before stepping a cluster it takes the row's step lease ({@link
 *       ClusterRepository#acquireStepLease}) for {@link DriverSettings#stepLease()}, renewed with
 *       each step and given up when the cluster settles: two servers on one store never step one
 *       cluster at once, and a crashed holder's lease simply runs out.</li>
 *   <li>At start and every {@link DriverSettings#rescan()} it reads the store: it kicks unsettled
 *       clusters it is not already working on, publishes phase changes other processes made,
 *       enforces heartbeats, grace periods and lifetimes (the same rules as the {@link Reaper}),
 *       and starts Queued claims, oldest first, while the caps have room.</li>
 *   <li>It hears {@link ClusterEvents}: a claim, release or delete saved in this process is
 *       stepped at once, and a cluster reaching Deleted starts the oldest Queued claim.</li>
 * </ul>
 *
 * Only the server starts it; the CLI's {@code --wait} keeps driving its own claim through
 * {@link Reconciler#runUntilSettled}, and the step lease keeps the two from stepping one cluster
 * at the same time only when both use it — the CLI does not, which is safe because every step is
 * idempotent and saved with optimistic concurrency.
 */
@Singleton
public final class ClusterDriver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterDriver.class);
    /** Steps in one turn before a cluster goes to the back of the line, so one busy cluster cannot hog a thread. */
    private static final int MAX_STEPS_PER_TURN = 32;
    private static final Duration FIRST_DELAY = Duration.ofMillis(50);
    /** Backoff cap after a step threw (store or adapter trouble that the reconciler did not turn into a phase). */
    private static final Duration ERROR_CAP = Duration.ofSeconds(30);

    private final ClusterRepository repository;
    private final Reconciler reconciler;
    private final Policies policies;
    private final ClusterEvents events;
    private final DriverSettings settings;
    private final Clock clock;

    private final Map<ClusterId, Task> tasks = new ConcurrentHashMap<>();
    /**
     * The clusters whose step lease this driver holds now. {@link #close} gives all of them up: a
     * cluster can leave {@code tasks} while its lease is still held (its timer refused because the
     * scheduler shut down during the turn), so {@code tasks} alone would miss it.
     */
    private final Set<ClusterId> leased = ConcurrentHashMap.newKeySet();
    private final Map<ErrorCode, AtomicLong> errors = new ConcurrentHashMap<>();
    private final AtomicInteger stepping = new AtomicInteger();
    private final AtomicLong readyCount = new AtomicLong();
    private final AtomicLong readyNanos = new AtomicLong();
    private final AtomicLong scans = new AtomicLong();
    private final AtomicReference<Scan> lastScan = new AtomicReference<>(new Scan(Map.of(), 0, Optional.empty()));
    private final Object lifecycle = new Object();

    private ScheduledExecutorService scheduler;
    private ExecutorService workers;
    private AutoCloseable subscription;
    private volatile boolean running;

    @Inject
    public ClusterDriver(ClusterRepository repository, Reconciler reconciler, Policies policies, ClusterEvents events,
                         DriverSettings settings, Clock clock) {
        this.repository = repository;
        this.reconciler = reconciler;
        this.policies = policies;
        this.events = events;
        this.settings = settings;
        this.clock = clock;
    }

    private record Scan(Map<String, Map<Phase, Long>> byBackendAndPhase, long queued, Optional<Instant> at) {
    }

    /** Where one cluster is in this driver. */
    private enum State { READY_TO_RUN, RUNNING, WAITING }

    private static final class Task {
        State state;
        boolean again;
        int attempts;
        ScheduledFuture<?> timer;
    }

    /** What one turn of stepping decided. */
    private sealed interface Next {
        /** Nothing more to do here: settled, gone, or another driver holds it. */
        record Done() implements Next {
        }

        /** Step again after this delay. */
        record After(Duration delay) implements Next {
        }

        /** Still progressing: back of the line, at once. */
        record Yield() implements Next {
        }
    }

    /** Starts the threads, reads the store and begins stepping. Idempotent. */
    public void start() {
        synchronized (lifecycle) {
            if (running) {
                return;
            }
            scheduler = Executors.newSingleThreadScheduledExecutor(threads("ephemera-driver-timer"));
            workers = Executors.newFixedThreadPool(settings.maxConcurrent(), threads("ephemera-driver-step"));
            running = true;
            subscription = events.subscribe(this::heard);
            long rescanMs = settings.rescan().toMillis();
            scheduler.execute(() -> scan(true));
            scheduler.scheduleWithFixedDelay(() -> scan(false), rescanMs, rescanMs, TimeUnit.MILLISECONDS);
            LOG.info("cluster driver started owner={} maxConcurrent={} rescan={} stepLease={}", settings.ownerId(),
                    settings.maxConcurrent(), settings.rescan(), settings.stepLease());
        }
    }

    /**
     * Stops stepping: no new steps start, running ones finish (up to the step lease), the step
     * leases this driver holds are given up so another server can carry on at once.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (!running) {
                return;
            }
            running = false;
            try {
                subscription.close();
            } catch (Exception e) {
                LOG.debug("unsubscribing failed error={}", e.toString());
            }
            scheduler.shutdownNow();
            workers.shutdown();
            try {
                if (!workers.awaitTermination(settings.stepLease().toMillis(), TimeUnit.MILLISECONDS)) {
                    workers.shutdownNow();
                }
            } catch (InterruptedException e) {
                workers.shutdownNow();
                Thread.currentThread().interrupt();
            }
            Set<ClusterId> held = new HashSet<>(leased);
            held.addAll(tasks.keySet());
            for (ClusterId id : held) {
                releaseLease(id);
            }
            tasks.clear();
            LOG.info("cluster driver stopped owner={}", settings.ownerId());
        }
    }

    public boolean isRunning() {
        return running;
    }

    /** Steps cluster {@code id} soon: at once if a thread is free, else when one is. Does nothing when stopped. */
    public void kick(ClusterId id) {
        if (!running) {
            return;
        }
        boolean[] submit = {false};
        tasks.compute(id, (k, t) -> {
            if (t == null) {
                t = new Task();
                t.state = State.READY_TO_RUN;
                submit[0] = true;
                return t;
            }
            switch (t.state) {
                case RUNNING -> t.again = true;
                case WAITING -> {
                    if (t.timer != null) {
                        t.timer.cancel(false);
                        t.timer = null;
                    }
                    t.state = State.READY_TO_RUN;
                    submit[0] = true;
                }
                case READY_TO_RUN -> { }
            }
            return t;
        });
        if (submit[0]) {
            submit(id);
        }
    }

    /** A snapshot for metrics. */
    public DriverStats stats() {
        Scan s = lastScan.get();
        int waiting = (int) tasks.values().stream().filter(t -> t.state == State.WAITING).count();
        Map<ErrorCode, Long> errs = new EnumMap<>(ErrorCode.class);
        errors.forEach((code, n) -> errs.put(code, n.get()));
        return new DriverStats(s.byBackendAndPhase(), s.queued(), stepping.get(), waiting, errs, readyCount.get(),
                Duration.ofNanos(readyNanos.get()), s.at(), scans.get());
    }

    /** Records by phase as of the last scan. */
    public Map<Phase, Long> countsByPhase() {
        return stats().countsByPhase();
    }

    /** Clusters this driver is working on now (stepping, or waiting on a timer). */
    public Set<ClusterId> active() {
        return Set.copyOf(tasks.keySet());
    }

    private void heard(PhaseChange change) {
        if (needsSteps(change.cluster())) {
            kick(change.cluster().id());
        }
        if (change.to() == Phase.DELETED || change.to() == Phase.QUEUED) {
            onScheduler(this::startQueued);
        }
    }

    /** Records that are not settled: the reconciler has work to do on them now. */
    static boolean needsSteps(Cluster c) {
        return switch (c.phase()) {
            case REQUESTED, PROVISIONING, BOOTSTRAPPING, DELETING -> true;
            case FAILED -> !c.keepOnFailure();
            case QUEUED, READY, RELEASING, DELETED -> false;
        };
    }

    private void submit(ClusterId id) {
        try {
            workers.execute(() -> turn(id));
        } catch (RejectedExecutionException e) {
            tasks.remove(id); // shutting down
        }
    }

    private void onScheduler(Runnable r) {
        if (!running) {
            return;
        }
        try {
            scheduler.execute(r);
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    /** One turn on a worker thread: take the lease, step until settled, waiting or yielding. */
    private void turn(ClusterId id) {
        Task task = tasks.computeIfPresent(id, (k, t) -> {
            t.state = State.RUNNING;
            t.again = false;
            return t;
        });
        if (task == null || !running) {
            return;
        }
        stepping.incrementAndGet();
        Next next;
        try {
            next = steps(id, task);
        } catch (RuntimeException e) {
            // A bug or an unexpected adapter exception must not kill the worker or lose the cluster.
            count(e instanceof EphemeraException ee ? ee.code() : ErrorCode.INTERNAL);
            LOG.warn("step failed unexpectedly, will retry cluster={} error={}", id, e.toString());
            next = new Next.After(backoff(task, ERROR_CAP));
        } finally {
            stepping.decrementAndGet();
        }
        Next decided = next;
        boolean[] resubmit = {false};
        tasks.compute(id, (k, t) -> {
            if (t != task || !running) {
                return t;
            }
            if (t.again || decided instanceof Next.Yield) {
                t.state = State.READY_TO_RUN;
                resubmit[0] = true;
                return t;
            }
            if (decided instanceof Next.After after) {
                t.state = State.WAITING;
                try {
                    t.timer = scheduler.schedule(() -> kick(id), after.delay().toMillis(), TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    return null;
                }
                return t;
            }
            return null; // done
        });
        if (resubmit[0]) {
            submit(id);
        }
    }

    private Next steps(ClusterId id, Task task) {
        for (int i = 0; i < MAX_STEPS_PER_TURN; i++) {
            if (!running) {
                return new Next.Done();
            }
            Optional<Cluster> current = repository.find(id);
            if (current.isEmpty()) {
                releaseLease(id);
                events.forget(id);
                return new Next.Done();
            }
            Cluster before = current.get();
            if (!needsSteps(before)) {
                releaseLease(id);
                events.saw(before);
                return new Next.Done();
            }
            // Taken before every step, so it is renewed while stepping and never runs out mid-turn.
            if (!repository.acquireStepLease(id, settings.ownerId(), clock.instant(), settings.stepLease())) {
                LOG.debug("another driver is stepping cluster={}", id);
                return new Next.Done(); // the rescan looks again; the holder's lease runs out if it died
            }
            leased.add(id);
            StepOutcome o;
            try {
                o = reconciler.step(id);
            } catch (EphemeraException e) {
                if (e.code() == ErrorCode.CONFLICT) {
                    continue; // someone saved first (a user's release, the reaper): read again
                }
                count(e.code());
                LOG.warn("step failed, will retry cluster={} phase={} code={} reason={}", id, before.phase(), e.code(), e.getMessage());
                return new Next.After(backoff(task, ERROR_CAP));
            }
            Cluster after = o.cluster();
            events.saw(after);
            if (after.phase() == Phase.READY && before.phase() != Phase.READY) {
                readyCount.incrementAndGet();
                after.readyAt().ifPresent(r -> readyNanos.addAndGet(Duration.between(after.createdAt(), r).toNanos()));
            }
            if (o instanceof StepOutcome.Waiting w) {
                return new Next.After(backoff(task, w.maxDelay()));
            }
            task.attempts = 0;
            if (o instanceof StepOutcome.Failed f) {
                count(f.cause().code());
            }
            if (o instanceof StepOutcome.Settled) {
                releaseLease(id);
                return new Next.Done();
            }
        }
        return new Next.Yield();
    }

    /** Per-cluster backoff, under the code base's one retry policy: 50 ms doubling up to {@code cap}, jittered. */
    private static Duration backoff(Task task, Duration cap) {
        int n = Math.min(++task.attempts, 30);
        return RetryPolicy.polling(FIRST_DELAY, cap.compareTo(FIRST_DELAY) < 0 ? FIRST_DELAY : cap).backoff(n);
    }

    private void releaseLease(ClusterId id) {
        leased.remove(id);
        try {
            repository.releaseStepLease(id, settings.ownerId());
        } catch (RuntimeException e) {
            // It runs out by itself after the step lease.
            LOG.debug("could not give up step lease cluster={} error={}", id, e.toString());
        }
    }

    private void count(ErrorCode code) {
        errors.computeIfAbsent(code, c -> new AtomicLong()).incrementAndGet();
    }

    /** Reads every record: kicks what needs stepping, applies due deadlines, starts queued claims. */
    private void scan(boolean first) {
        if (!running) {
            return;
        }
        try {
            List<Cluster> all = repository.list();
            Instant now = clock.instant();
            Map<String, Map<Phase, Long>> counts = new HashMap<>();
            long queued = 0;
            Set<ClusterId> present = new HashSet<>();
            for (Cluster c : all) {
                present.add(c.id());
                if (first) {
                    events.know(c);
                } else {
                    events.saw(c);
                }
                Cluster current = applyDeadlines(c, now);
                counts.computeIfAbsent(current.backend(), b -> new EnumMap<>(Phase.class)).merge(current.phase(), 1L, Long::sum);
                if (current.phase() == Phase.QUEUED) {
                    queued++;
                }
                if (needsSteps(current) && !tasks.containsKey(current.id())) {
                    kick(current.id());
                }
            }
            lastScan.set(new Scan(counts, queued, Optional.of(now)));
            if (queued > 0) {
                startQueued();
            }
            scans.incrementAndGet();
        } catch (RuntimeException e) {
            // The store may be briefly unavailable; the next scan tries again.
            count(e instanceof EphemeraException ee ? ee.code() : ErrorCode.INTERNAL);
            LOG.warn("scan of the cluster store failed, next one in {} error={}", settings.rescan(), e.toString());
        }
    }

    /**
     * Heartbeat missed: a Ready cluster is released (grace applies), one queued or coming up is
     * deleted. Lifetime over or grace ended: deleted. Failed clusters are the reconciler's.
     */
    private Cluster applyDeadlines(Cluster c, Instant now) {
        try {
            Optional<String> missed = policies.heartbeatMissed(c, now);
            if (missed.isPresent()) {
                Cluster next = c.phase() == Phase.READY
                        ? c.release(now, policies.grace(), "released: " + missed.get() + "; deleted after the grace period unless renewed")
                        : c.moveTo(Phase.DELETING, now, "released: " + missed.get());
                LOG.info("heartbeat missed cluster={} phase={} next={}", c.id(), c.phase(), next.phase());
                return saved(repository.update(next));
            }
            if (c.phase() != Phase.FAILED) {
                Optional<String> due = policies.reapReason(c, now);
                if (due.isPresent()) {
                    LOG.info("cluster due for deletion cluster={} reason={}", c.id(), due.get());
                    return saved(repository.update(c.moveTo(Phase.DELETING, now, "reaped: " + due.get())));
                }
            }
        } catch (EphemeraException e) {
            // Changed meanwhile (renewed, released, stepped): the next scan decides on the new record.
            LOG.debug("deadline not applied, record changed cluster={} error={}", c.id(), e.getMessage());
        }
        return c;
    }

    private Cluster saved(Cluster c) {
        events.saw(c);
        return c;
    }

    /** Starts Queued claims, oldest first, while the caps have room for them. */
    private void startQueued() {
        if (!running) {
            return;
        }
        try {
            List<Cluster> queued = repository.list().stream().filter(c -> c.phase() == Phase.QUEUED)
                    .sorted(Comparator.comparing(Cluster::createdAt).thenComparing(Cluster::id)).toList();
            Set<String> fullBackends = new HashSet<>();
            for (Cluster c : queued) {
                if (fullBackends.contains(c.backend())) {
                    continue; // an older claim on this backend is still waiting: keep the order
                }
                try {
                    Cluster started = saved(repository.updateWithin(c.dequeue(clock.instant()), Limits.of(policies, c.backend())));
                    LOG.info("queued claim started cluster={} backend={}", started.id(), started.backend());
                    kick(started.id());
                } catch (EphemeraException e) {
                    if (e.code() == ErrorCode.LIMIT_EXCEEDED) {
                        if (repository.countLive(Optional.empty()) >= policies.maxConcurrent()) {
                            return; // the global cap is full: nobody else can start either
                        }
                        fullBackends.add(c.backend());
                    } else if (e.code() != ErrorCode.CONFLICT) {
                        throw e;
                    }
                }
            }
        } catch (RuntimeException e) {
            count(e instanceof EphemeraException ee ? ee.code() : ErrorCode.INTERNAL);
            LOG.warn("starting queued claims failed, next scan retries error={}", e.toString());
        }
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
