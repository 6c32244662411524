package dev.ephemera.application;

import dev.ephemera.domain.error.EphemeraException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * How the server's {@link ClusterDriver} works (config section {@code server:}).
 *
 * @param maxConcurrent how many clusters are stepped at once ({@code server.max-concurrent-steps},
 *                      default 8); waiting clusters hold no thread and do not count
 * @param rescan        how often the store is read again for work written by other processes — a
 *                      CLI on the same SQLite file, another server — and for due heartbeats, grace
 *                      periods and queued claims ({@code server.rescan-interval}, default 2s)
 * @param stepLease     how long a claim on a cluster's row keeps other drivers off it; renewed
 *                      with every step, so it only runs out when its holder died
 *                      ({@code server.step-lease}, default 30s)
 * @param ownerId       this driver's name in the step lease column; unique per process
 */
public record DriverSettings(int maxConcurrent, Duration rescan, Duration stepLease, String ownerId) {
    public static final int DEFAULT_MAX_CONCURRENT = 8;
    public static final Duration DEFAULT_RESCAN = Duration.ofSeconds(2);
    public static final Duration DEFAULT_STEP_LEASE = Duration.ofSeconds(30);

    public DriverSettings {
        Objects.requireNonNull(rescan, "rescan");
        Objects.requireNonNull(stepLease, "stepLease");
        Objects.requireNonNull(ownerId, "ownerId");
        if (maxConcurrent < 1 || maxConcurrent > 1024) {
            throw EphemeraException.invalid("server.max-concurrent-steps must be between 1 and 1024, got " + maxConcurrent);
        }
        if (rescan.isNegative() || rescan.compareTo(Duration.ofMillis(10)) < 0) {
            throw EphemeraException.invalid("server.rescan-interval must be at least 10ms, got " + rescan);
        }
        if (stepLease.compareTo(Duration.ofSeconds(1)) < 0) {
            throw EphemeraException.invalid("server.step-lease must be at least 1s, got " + stepLease);
        }
        if (ownerId.isBlank() || ownerId.length() > 200) {
            throw EphemeraException.invalid("the driver's owner id must be 1-200 characters");
        }
    }

    /** The defaults, with a fresh owner id for this process. */
    public static DriverSettings defaults() {
        return new DriverSettings(DEFAULT_MAX_CONCURRENT, DEFAULT_RESCAN, DEFAULT_STEP_LEASE, newOwnerId());
    }

    /** {@code host/pid/random}: readable in the database, and never shared by two processes. */
    public static String newOwnerId() {
        String runtime = ManagementFactory.getRuntimeMXBean().getName(); // pid@host
        return runtime + "/" + UUID.randomUUID().toString().substring(0, 8);
    }
}
