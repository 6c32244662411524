package dev.ephemera.ports.canary;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A test Job as last observed.
 *
 * @param namespace             the canary's namespace
 * @param name                  the Job's name
 * @param uid                   the Job's uid (empty before the API server assigned one)
 * @param phase                 running, succeeded or failed
 * @param reason                the reason of the final condition, e.g. {@code BackoffLimitExceeded}
 * @param message               the message of the final condition
 * @param startTime             when the Job controller started it
 * @param activeDeadlineSeconds the Job's deadline, counted from its start
 */
public record CanaryJob(
        String namespace,
        String name,
        String uid,
        JobPhase phase,
        Optional<String> reason,
        Optional<String> message,
        Optional<Instant> startTime,
        Optional<Long> activeDeadlineSeconds) {

    /** The reason given when a Job disappears before it ended. */
    public static final String DELETED = "JobDeleted";

    public CanaryJob {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        uid = Objects.requireNonNullElse(uid, "");
        Objects.requireNonNull(phase, "phase");
        reason = Objects.requireNonNullElse(reason, Optional.empty());
        message = Objects.requireNonNullElse(message, Optional.empty());
        startTime = Objects.requireNonNullElse(startTime, Optional.empty());
        activeDeadlineSeconds = Objects.requireNonNullElse(activeDeadlineSeconds, Optional.empty());
    }

    public static CanaryJob running(String namespace, String name, String uid, Optional<Long> activeDeadlineSeconds) {
        return new CanaryJob(namespace, name, uid, JobPhase.RUNNING, Optional.empty(), Optional.empty(), Optional.empty(), activeDeadlineSeconds);
    }

    public CanaryJob withPhase(JobPhase next, String reason, String message) {
        return new CanaryJob(namespace, name, uid, next, Optional.ofNullable(reason), Optional.ofNullable(message), startTime, activeDeadlineSeconds);
    }

    public CanaryJob withStartTime(Instant started) {
        return new CanaryJob(namespace, name, uid, phase, reason, message, Optional.of(started), activeDeadlineSeconds);
    }
}
