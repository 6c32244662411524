package dev.ephemera.application;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.Phase;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A cluster changed phase (or appeared: {@code from} is empty for a new claim).
 *
 * @param cluster the record as saved with the new phase
 * @param from    the phase before, empty when the record is new to this process
 * @param to      the phase now, {@code cluster.phase()}
 * @param at      when the change happened ({@code cluster.phaseSince()})
 */
public record PhaseChange(Cluster cluster, Optional<Phase> from, Phase to, Instant at) {
    public PhaseChange {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(at, "at");
        from = from == null ? Optional.empty() : from;
    }

    /** For a change to Ready: how long from the claim until the cluster was ready (time queued included). */
    public Optional<java.time.Duration> claimToReady() {
        return to == Phase.READY ? cluster.readyAt().map(r -> java.time.Duration.between(cluster.createdAt(), r)) : Optional.empty();
    }
}
