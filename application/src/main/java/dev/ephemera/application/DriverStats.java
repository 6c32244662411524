package dev.ephemera.application;

import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.error.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the {@link ClusterDriver} is doing, for {@code /metrics}.
 *
 * @param clustersByBackendAndPhase records in the store as of the last scan, by backend, then phase
 * @param queueLength               clusters Queued as of the last scan
 * @param stepping                  clusters being stepped right now (at most maxConcurrent)
 * @param waiting                   clusters waiting for their next step on a timer (no thread held)
 * @param reconcileErrors           errors that failed a step, by code, since start
 * @param readyCount                clusters this driver brought to Ready since start
 * @param claimToReadyTotal         their claim → Ready durations added up (for an average; a
 *                                  histogram subscribes to {@link ClusterEvents} and uses
 *                                  {@link PhaseChange#claimToReady()})
 * @param lastScan                  when the store was last read, empty before the first scan
 * @param scans                     how many scans of the store have completed since start
 */
public record DriverStats(Map<String, Map<Phase, Long>> clustersByBackendAndPhase, long queueLength, int stepping, int waiting,
                          Map<ErrorCode, Long> reconcileErrors, long readyCount, Duration claimToReadyTotal,
                          Optional<Instant> lastScan, long scans) {
    public DriverStats {
        clustersByBackendAndPhase = Map.copyOf(clustersByBackendAndPhase);
        reconcileErrors = Map.copyOf(reconcileErrors);
        lastScan = lastScan == null ? Optional.empty() : lastScan;
    }

    /** Records by phase over all backends. */
    public Map<Phase, Long> countsByPhase() {
        Map<Phase, Long> out = new EnumMap<>(Phase.class);
        clustersByBackendAndPhase.values().forEach(m -> m.forEach((p, n) -> out.merge(p, n, Long::sum)));
        return out;
    }
}
