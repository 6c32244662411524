package dev.ephemera.server;

import dev.ephemera.application.Reaper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link Reaper} every {@code server.reap-interval} while the server is up, so clusters
 * are torn down on time without anyone calling {@code ephemera cluster reap}. Sweeps run off the
 * event loop and never overlap. A deletion that fails is logged and counted
 * ({@code ephemera_reaper_deletion_failures}) without stopping the sweep; a sweep that fails as a
 * whole (the state store is down) is counted in {@code ephemera_reaper_failures}; the next one tries again.
 */
final class ReaperSchedule {
    private static final Logger LOG = LoggerFactory.getLogger(ReaperSchedule.class);

    private final Vertx vertx;
    private final Supplier<Reaper> reaper;
    private final List<String> orphanBackends;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final List<Consumer<Reaper.Sweep>> listeners = new CopyOnWriteArrayList<>();
    private final Counter sweeps;
    private final Counter failures;
    private final Counter deleted;
    private final Counter orphans;
    private final Counter deletionFailures;
    private long timer = -1;

    ReaperSchedule(Vertx vertx, Supplier<Reaper> reaper, List<String> orphanBackends, MeterRegistry metrics) {
        this.vertx = vertx;
        this.reaper = reaper;
        this.orphanBackends = List.copyOf(orphanBackends);
        this.sweeps = Counter.builder("ephemera_reaper_sweeps").description("Reaper sweeps finished").register(metrics);
        this.failures = Counter.builder("ephemera_reaper_failures").description("Reaper sweeps that failed").register(metrics);
        this.deleted = Counter.builder("ephemera_reaper_clusters_deleted").description("Clusters the reaper deleted").register(metrics);
        this.orphans = Counter.builder("ephemera_reaper_orphans_destroyed").description("Orphaned resources destroyed").register(metrics);
        this.deletionFailures = Counter.builder("ephemera_reaper_deletion_failures")
                .description("Deletions a sweep tried that failed (the next sweep tries again)").register(metrics);
    }

    void start(Duration every) {
        timer = vertx.setPeriodic(every.toMillis(), id -> sweep());
    }

    void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    void onSweep(Consumer<Reaper.Sweep> listener) {
        listeners.add(listener);
    }

    private void sweep() {
        if (!sweeping.compareAndSet(false, true)) {
            return; // the previous sweep is still running
        }
        vertx.executeBlocking(() -> reaper.get().sweep(orphanBackends), false).onComplete(ar -> {
            sweeping.set(false);
            if (ar.failed()) {
                failures.increment();
                LOG.warn("reaper sweep failed, the next one retries error={}", ar.cause().toString());
                return;
            }
            Reaper.Sweep s = ar.result();
            sweeps.increment();
            deleted.increment(s.deleted().size());
            orphans.increment(s.orphansDestroyed().size());
            deletionFailures.increment(s.failures().size());
            s.failures().forEach(f -> LOG.warn("reaper deletion failed, the next sweep retries subject={} code={} reason={}",
                    f.subject(), f.code(), f.reason()));
            if (!s.markedForDeletion().isEmpty() || !s.deleted().isEmpty() || !s.orphansDestroyed().isEmpty()) {
                LOG.info("reaper sweep marked={} deleted={} orphans={}", s.markedForDeletion(), s.deleted(), s.orphansDestroyed().size());
            }
            listeners.forEach(l -> l.accept(s));
        });
    }
}
