package dev.ephemera.server;

import dev.ephemera.application.ClusterDriver;
import dev.ephemera.application.ClusterEvents;
import dev.ephemera.application.DriverStats;
import dev.ephemera.application.PhaseChange;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.error.ErrorCode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The driver's view on {@code /metrics}: {@code ephemera_clusters{backend,phase}} (records in the
 * store as of the driver's last scan), {@code ephemera_cluster_queue_length},
 * {@code ephemera_driver_stepping} and {@code _waiting}, {@code ephemera_reconcile_errors_total{code}},
 * and the histogram {@code ephemera_cluster_claim_to_ready_seconds} of claim → Ready durations,
 * recorded from the phase changes this server sees.
 */
final class ClusterMetrics implements AutoCloseable {
    private final ClusterDriver driver;
    private final MultiGauge byPhase;
    private final Timer claimToReady;
    private final AtomicReference<DriverStats> last = new AtomicReference<>();
    private final AutoCloseable subscription;

    ClusterMetrics(ClusterDriver driver, ClusterEvents events, MeterRegistry registry) {
        this.driver = driver;
        this.byPhase = MultiGauge.builder("ephemera.clusters").description("Cluster records by backend and phase, as of the driver's last scan")
                .register(registry);
        this.claimToReady = Timer.builder("ephemera.cluster.claim.to.ready").description("Time from a claim until its cluster was Ready")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofMinutes(30))
                .register(registry);
        Gauge.builder("ephemera.cluster.queue.length", this, m -> m.stats().queueLength())
                .description("Claims Queued behind a concurrency cap, as of the driver's last scan").register(registry);
        Gauge.builder("ephemera.driver.stepping", this, m -> m.stats().stepping()).description("Clusters being stepped now").register(registry);
        Gauge.builder("ephemera.driver.waiting", this, m -> m.stats().waiting())
                .description("Clusters waiting on a timer for their next step (no thread held)").register(registry);
        for (ErrorCode code : ErrorCode.values()) {
            FunctionCounter.builder("ephemera.reconcile.errors", this, m -> m.stats().reconcileErrors().getOrDefault(code, 0L))
                    .description("Errors that failed a reconcile step, by Ephemera error code").tag("code", code.name()).register(registry);
        }
        this.subscription = events.subscribe(this::heard);
    }

    private DriverStats stats() {
        DriverStats s = driver.stats();
        last.set(s);
        return s;
    }

    /** Reads the driver's counts into the per-backend, per-phase gauge; called on a timer. */
    void refresh() {
        DriverStats s = stats();
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (Map.Entry<String, Map<Phase, Long>> b : s.clustersByBackendAndPhase().entrySet()) {
            for (Phase p : Phase.values()) {
                long n = b.getValue().getOrDefault(p, 0L);
                rows.add(MultiGauge.Row.of(Tags.of("backend", b.getKey(), "phase", p.displayName()), n));
            }
        }
        byPhase.register(rows, true);
    }

    private void heard(PhaseChange change) {
        // Bootstrapping → Ready is a cluster coming up; Releasing → Ready is a claim within the grace period.
        if (change.to() == Phase.READY && change.from().filter(f -> f == Phase.BOOTSTRAPPING).isPresent()) {
            change.claimToReady().ifPresent(claimToReady::record);
        }
    }

    @Override
    public void close() {
        try {
            subscription.close();
        } catch (Exception e) {
            // nothing to report
        }
    }
}
