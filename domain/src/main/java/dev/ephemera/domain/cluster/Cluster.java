package dev.ephemera.domain.cluster;

import dev.ephemera.domain.error.EphemeraException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The record of one cluster. Immutable; every change returns a new record, and a repository
 * saves it only if {@link #version()} is still the stored one (optimistic concurrency).
 * Phases change only through {@link #moveTo}, which enforces the table in {@link Phase}.
 */
public record Cluster(
        ClusterId id,
        Optional<Owner> owner,
        String backend,
        ClusterSpec spec,
        Phase phase,
        Instant phaseSince,
        Optional<Endpoint> endpoint,
        Optional<LeaseRef> lease,
        Optional<BackendRef> backendRef,
        Instant createdAt,
        Optional<Instant> readyAt,
        Instant expiresAt,
        Optional<Instant> deleteAfter,
        Optional<String> failureReason,
        boolean keepOnFailure,
        List<SinkTarget> sinks,
        List<TimelineEvent> timeline,
        long version) {

    public Cluster {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(phaseSince, "phaseSince");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        owner = owner == null ? Optional.empty() : owner;
        endpoint = endpoint == null ? Optional.empty() : endpoint;
        lease = lease == null ? Optional.empty() : lease;
        backendRef = backendRef == null ? Optional.empty() : backendRef;
        readyAt = readyAt == null ? Optional.empty() : readyAt;
        deleteAfter = deleteAfter == null ? Optional.empty() : deleteAfter;
        failureReason = failureReason == null ? Optional.empty() : failureReason;
        timeline = timeline == null ? List.of() : List.copyOf(timeline);
        sinks = sinks == null ? List.of() : List.copyOf(sinks);
        if (backend.isBlank()) {
            throw EphemeraException.invalid("a cluster needs a backend name");
        }
    }

    /** A new claim, in phase {@code Requested}, not yet stored (version 0). */
    public static Cluster requested(ClusterId id, Optional<Owner> owner, String backend, ClusterSpec spec,
                                    Instant now, Duration lifetime) {
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw EphemeraException.invalid("lifetime must be positive, got " + lifetime);
        }
        return new Cluster(id, owner, backend, spec, Phase.REQUESTED, now, Optional.empty(), Optional.empty(),
                Optional.empty(), now, Optional.empty(), now.plus(lifetime), Optional.empty(), Optional.empty(), false, List.of(),
                List.of(new TimelineEvent(now, Phase.REQUESTED, "claimed" + owner.map(o -> " for " + o).orElse(""))), 0);
    }

    /** Moves to {@code target} if the phase table allows it, recording the event. */
    public Cluster moveTo(Phase target, Instant now, String message) {
        if (!phase.canMoveTo(target)) {
            throw EphemeraException.conflict("cluster " + id + " cannot move from " + phase.displayName() + " to "
                    + target.displayName() + " (allowed: " + phase.next() + ")");
        }
        Optional<Instant> ready = target == Phase.READY && readyAt.isEmpty() ? Optional.of(now) : readyAt;
        Optional<Instant> after = target == Phase.READY ? Optional.empty() : deleteAfter;
        Optional<String> reason = target == Phase.FAILED ? Optional.of(message) : failureReason;
        return new Cluster(id, owner, backend, spec, target, now, endpoint, lease, backendRef, createdAt, ready, expiresAt,
                after, reason, keepOnFailure, sinks, append(now, target, message), version);
    }

    /** The owner let go: enter the grace period, to be deleted after {@code grace}. */
    public Cluster release(Instant now, Duration grace, String message) {
        Cluster moved = moveTo(Phase.RELEASING, now, message);
        return new Cluster(id, owner, backend, spec, moved.phase, now, endpoint, lease, backendRef, createdAt, readyAt,
                expiresAt, Optional.of(now.plus(grace)), failureReason, keepOnFailure, sinks, moved.timeline, version);
    }

    /** Adds a timeline event without changing phase (progress inside a phase). */
    public Cluster note(Instant now, String message) {
        return new Cluster(id, owner, backend, spec, phase, phaseSince, endpoint, lease, backendRef, createdAt, readyAt,
                expiresAt, deleteAfter, failureReason, keepOnFailure, sinks, append(now, phase, message), version);
    }

    public Cluster withEndpoint(Endpoint e) {
        return new Cluster(id, owner, backend, spec, phase, phaseSince, Optional.of(e), lease, backendRef, createdAt,
                readyAt, expiresAt, deleteAfter, failureReason, keepOnFailure, sinks, timeline, version);
    }

    public Cluster withLease(Optional<LeaseRef> l) {
        return new Cluster(id, owner, backend, spec, phase, phaseSince, endpoint, l, backendRef, createdAt, readyAt,
                expiresAt, deleteAfter, failureReason, keepOnFailure, sinks, timeline, version);
    }

    public Cluster withBackendRef(BackendRef ref) {
        return new Cluster(id, owner, backend, spec, phase, phaseSince, endpoint, lease, Optional.of(ref), createdAt,
                readyAt, expiresAt, deleteAfter, failureReason, keepOnFailure, sinks, timeline, version);
    }

    public Cluster withKeepOnFailure(boolean keep) {
        return new Cluster(id, owner, backend, spec, phase, phaseSince, endpoint, lease, backendRef, createdAt, readyAt,
                expiresAt, deleteAfter, failureReason, keep, sinks, timeline, version);
    }

    public Cluster withSinks(List<SinkTarget> targets) {
        return new Cluster(id, owner, backend, spec, phase, phaseSince, endpoint, lease, backendRef, createdAt, readyAt,
                expiresAt, deleteAfter, failureReason, keepOnFailure, targets, timeline, version);
    }

    /** Used by repositories only: the record as stored under a new version. */
    public Cluster withVersion(long v) {
        return new Cluster(id, owner, backend, spec, phase, phaseSince, endpoint, lease, backendRef, createdAt, readyAt,
                expiresAt, deleteAfter, failureReason, keepOnFailure, sinks, timeline, v);
    }

    private List<TimelineEvent> append(Instant now, Phase p, String message) {
        List<TimelineEvent> t = new ArrayList<>(timeline);
        t.add(new TimelineEvent(now, p, message));
        return t;
    }
}
