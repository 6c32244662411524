package dev.ephemera.domain.cluster;

import dev.ephemera.domain.error.EphemeraException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The lifetime rules of DESIGN section 3, and the one place that decides when a cluster is due
 * for deletion.
 */
public record Policies(Duration maxLifetime, Duration grace, Duration provisioningTimeout, Duration dnsTimeout,
                       int maxConcurrent, Map<String, Integer> maxConcurrentPerBackend) {

    public Policies {
        requirePositive("max lifetime", maxLifetime);
        requirePositive("grace", grace);
        requirePositive("provisioning timeout", provisioningTimeout);
        requirePositive("DNS timeout", dnsTimeout);
        if (maxConcurrent < 1) {
            throw EphemeraException.invalid("max concurrent clusters must be at least 1, got " + maxConcurrent);
        }
        maxConcurrentPerBackend = Map.copyOf(maxConcurrentPerBackend == null ? Map.of() : maxConcurrentPerBackend);
    }

    public static Policies defaults() {
        return new Policies(Duration.ofDays(3), Duration.ofHours(1), Duration.ofMinutes(15), Duration.ofMinutes(5), 10, Map.of());
    }

    /** How many clusters a backend may run at once: its own limit, else the global one. */
    public int maxConcurrentFor(String backend) {
        return Math.min(maxConcurrent, maxConcurrentPerBackend.getOrDefault(backend, maxConcurrent));
    }

    /**
     * Why {@code c} should be deleted now, or empty if it should live on: lifetime over, grace
     * over, stuck while provisioning, or failed (unless kept for debugging).
     */
    public Optional<String> reapReason(Cluster c, Instant now) {
        if (c.phase() == Phase.DELETING || c.phase() == Phase.DELETED) {
            return Optional.empty();
        }
        if (c.phase() == Phase.FAILED) {
            return c.keepOnFailure() ? Optional.empty() : Optional.of("failed: " + c.failureReason().orElse("unknown reason"));
        }
        if (!now.isBefore(c.expiresAt())) {
            return Optional.of("maximum lifetime reached at " + c.expiresAt());
        }
        if (c.phase() == Phase.RELEASING && c.deleteAfter().map(d -> !now.isBefore(d)).orElse(false)) {
            return Optional.of("grace period after release ended at " + c.deleteAfter().get());
        }
        return Optional.empty();
    }

    /** A cluster still coming up after the provisioning timeout has failed. */
    public Optional<String> stuckReason(Cluster c, Instant now) {
        if (c.phase().isProvisioning() && !now.isBefore(c.provisioningSince().plus(provisioningTimeout))) {
            return Optional.of("not ready within the provisioning timeout of " + DurationText.format(provisioningTimeout)
                    + " (stuck in " + c.phase().displayName() + ")");
        }
        return Optional.empty();
    }

    /**
     * The holder stopped renewing: why, if the heartbeat ran out. A {@code Ready} cluster is then
     * released (the grace period applies); one still queued or coming up is deleted; one already
     * in its grace period, failed or being deleted is left to the rules above.
     */
    public Optional<String> heartbeatMissed(Cluster c, Instant now) {
        if (!(c.phase() == Phase.READY || c.phase() == Phase.QUEUED || c.phase().isProvisioning())) {
            return Optional.empty();
        }
        return c.heartbeatDeadline().filter(d -> !now.isBefore(d)).map(d -> "heartbeat of "
                + DurationText.format(c.heartbeat().orElseThrow()) + " not renewed since "
                + c.lastRenewedAt().orElse(c.createdAt()));
    }

    private static void requirePositive(String what, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw EphemeraException.invalid(what + " must be a positive duration, got " + d);
        }
    }
}
