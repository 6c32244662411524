package dev.ephemera.application.claims;

import dev.ephemera.domain.cluster.Phase;

/**
 * Seed 002's phases of an {@code EphemeralCluster}, from Ephemera's (docs/kubernetes.md has the table).
 * Releasing, the grace period after a missed heartbeat, is Deprovisioning: the cluster goes away
 * unless it is claimed again.
 */
public final class ClaimPhases {
    private ClaimPhases() {
    }

    public static String of(Phase p) {
        return switch (p) {
            case REQUESTED, QUEUED, PROVISIONING, BOOTSTRAPPING -> "Provisioning";
            case READY -> "Ready";
            case RELEASING, DELETING -> "Deprovisioning";
            case DELETED -> "Deprovisioned";
            case FAILED -> "Failed";
        };
    }
}
