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
        Optional<Duration> heartbeat,
        Optional<Instant> lastRenewedAt,
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
        heartbeat = heartbeat == null ? Optional.empty() : heartbeat;
        lastRenewedAt = lastRenewedAt == null ? Optional.empty() : lastRenewedAt;
        if (backend.isBlank()) {
            throw EphemeraException.invalid("a cluster needs a backend name");
        }
        if (heartbeat.isPresent() && (heartbeat.get().isNegative() || heartbeat.get().compareTo(MIN_HEARTBEAT) < 0)) {
            throw EphemeraException.invalid("heartbeat must be at least " + DurationText.format(MIN_HEARTBEAT) + ", got " + heartbeat.get());
        }
    }

    /** The shortest heartbeat a claim may ask for: shorter ones would be released between two renewals of a busy CI step. */
    public static final Duration MIN_HEARTBEAT = Duration.ofSeconds(10);

    /** A record without a heartbeat (the shape before heartbeats existed). */
    public Cluster(ClusterId id, Optional<Owner> owner, String backend, ClusterSpec spec, Phase phase, Instant phaseSince,
                   Optional<Endpoint> endpoint, Optional<LeaseRef> lease, Optional<BackendRef> backendRef, Instant createdAt,
                   Optional<Instant> readyAt, Instant expiresAt, Optional<Instant> deleteAfter, Optional<String> failureReason,
                   boolean keepOnFailure, List<SinkTarget> sinks, List<TimelineEvent> timeline, long version) {
        this(id, owner, backend, spec, phase, phaseSince, endpoint, lease, backendRef, createdAt, readyAt, expiresAt, deleteAfter,
                failureReason, keepOnFailure, sinks, timeline, Optional.empty(), Optional.empty(), version);
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
                after, reason, keepOnFailure, sinks, append(now, target, message), heartbeat, lastRenewedAt, version);
    }

    /** The owner let go: enter the grace period, to be deleted after {@code grace}. */
    public Cluster release(Instant now, Duration grace, String message) {
        Cluster moved = moveTo(Phase.RELEASING, now, message);
        return new Cluster(id, owner, backend, spec, moved.phase, now, endpoint, lease, backendRef, createdAt, readyAt,
                expiresAt, Optional.of(now.plus(grace)), failureReason, keepOnFailure, sinks, moved.timeline, heartbeat, lastRenewedAt, version);
    }

    /** Adds a timeline event without changing phase (progress inside a phase). */
    public Cluster note(Instant now, String message) {
        return new Cluster(id, owner, backend, spec, phase, phaseSince, endpoint, lease, backendRef, createdAt, readyAt,
                expiresAt, deleteAfter, failureReason, keepOnFailure, sinks, append(now, phase, message), heartbeat, lastRenewedAt, version);
    }

    public Cluster withEndpoint(Endpoint e) {
        return new Cluster(id, owner, backend, spec, phase, phaseSince, Optional.of(e), lease, backendRef, createdAt,
                readyAt, expiresAt, deleteAfter, failureReason, keepOnFailure, sinks, timeline, heartbeat, lastRenewedAt, version);
    }

    public Cluster withLease(Optional<LeaseRef> l) {
        return new Cluster(id, owner, backend, spec, phase, phaseSince, endpoint, l, backendRef, createdAt, readyAt,
                expiresAt, deleteAfter, failureReason, keepOnFailure, sinks, timeline, heartbeat, lastRenewedAt, version);
    }

    public Cluster withBackendRef(BackendRef ref) {
        return new Cluster(id, owner, backend, spec, phase, phaseSince, endpoint, lease, Optional.of(ref), createdAt,
                readyAt, expiresAt, deleteAfter, failureReason, keepOnFailure, sinks, timeline, heartbeat, lastRenewedAt, version);
    }

    public Cluster withKeepOnFailure(boolean keep) {
        return new Cluster(id, owner, backend, spec, phase, phaseSince, endpoint, lease, backendRef, createdAt, readyAt,
                expiresAt, deleteAfter, failureReason, keep, sinks, timeline, heartbeat, lastRenewedAt, version);
    }

    public Cluster withSinks(List<SinkTarget> targets) {
        return new Cluster(id, owner, backend, spec, phase, phaseSince, endpoint, lease, backendRef, createdAt, readyAt,
                expiresAt, deleteAfter, failureReason, keepOnFailure, targets, timeline, heartbeat, lastRenewedAt, version);
    }

    /**
     * Asks for heartbeats: unless {@link #renew renewed} within {@code every}, the cluster is
     * released (see {@link Policies#heartbeatMissed}). Counting starts at {@code now}.
     */
    public Cluster withHeartbeat(Optional<Duration> every, Instant now) {
        return new Cluster(id, owner, backend, spec, phase, phaseSince, endpoint, lease, backendRef, createdAt, readyAt,
                expiresAt, deleteAfter, failureReason, keepOnFailure, sinks, timeline, every,
                every.isPresent() ? Optional.of(now) : Optional.empty(), version);
    }

    /**
     * A heartbeat: the holder still needs the cluster. Restarts the heartbeat period; a cluster in
     * its grace period returns to {@code Ready}. Refused with CONFLICT once deletion has begun.
     */
    public Cluster renew(Instant now) {
        if (phase == Phase.DELETING || phase == Phase.DELETED || phase == Phase.FAILED) {
            throw EphemeraException.conflict("cluster " + id + " is " + phase.displayName()
                    + " and cannot be renewed; claim it again once it is gone");
        }
        Cluster base = phase == Phase.RELEASING ? moveTo(Phase.READY, now, "renewed within the grace period") : this;
        return new Cluster(id, owner, backend, spec, base.phase, base.phaseSince, endpoint, lease, backendRef, createdAt,
                base.readyAt, expiresAt, base.deleteAfter, failureReason, keepOnFailure, sinks, base.timeline, heartbeat,
                Optional.of(now), version);
    }

    /** When the heartbeat runs out unless renewed; empty for a claim without heartbeats. */
    public Optional<Instant> heartbeatDeadline() {
        return heartbeat.map(h -> lastRenewedAt.orElse(createdAt).plus(h));
    }

    /**
     * A queued claim gets its slot: back to {@code Requested}. Its lifetime and provisioning
     * timeout start now, so time spent in the queue is not taken from either.
     */
    public Cluster dequeue(Instant now) {
        if (phase != Phase.QUEUED) {
            throw EphemeraException.conflict("cluster " + id + " is " + phase.displayName() + ", not Queued");
        }
        Cluster moved = moveTo(Phase.REQUESTED, now, "a slot freed up; starting");
        Duration lifetime = Duration.between(createdAt, expiresAt);
        return new Cluster(id, owner, backend, spec, moved.phase, now, endpoint, lease, backendRef, createdAt, readyAt,
                now.plus(lifetime), deleteAfter, failureReason, keepOnFailure, sinks, moved.timeline, heartbeat,
                lastRenewedAt, version);
    }

    /** Since when the cluster has been coming up: the claim, or the moment it left the queue. */
    public Instant provisioningSince() {
        Instant since = createdAt;
        boolean queued = false;
        for (TimelineEvent e : timeline) {
            if (e.phase() == Phase.QUEUED) {
                queued = true;
            } else if (queued && e.phase() == Phase.REQUESTED) {
                since = e.at(); // the first event after leaving the queue
                queued = false;
            }
        }
        return since;
    }

    /** Used by repositories only: the record as stored under a new version. */
    public Cluster withVersion(long v) {
        return new Cluster(id, owner, backend, spec, phase, phaseSince, endpoint, lease, backendRef, createdAt, readyAt,
                expiresAt, deleteAfter, failureReason, keepOnFailure, sinks, timeline, heartbeat, lastRenewedAt, v);
    }

    private List<TimelineEvent> append(Instant now, Phase p, String message) {
        List<TimelineEvent> t = new ArrayList<>(timeline);
        t.add(new TimelineEvent(now, p, message));
        return t;
    }
}
