package dev.ephemera.domain.cluster;

import java.util.EnumSet;
import java.util.Set;

/**
 * The phases of a cluster and the only transitions allowed between them (DESIGN section 3).
 * {@code Failed} is reachable from every live phase; {@code Releasing} is the grace period after
 * the owner let go, and a claim inside it returns the cluster to {@code Ready}. {@code Queued} is
 * a claim made with {@code queue: true} beyond the concurrency cap: it holds nothing, counts
 * against no limit, and becomes {@code Requested} when a slot frees (oldest first), or goes
 * straight to {@code Deleting} when released or deleted before that.
 */
public enum Phase {
    REQUESTED, QUEUED, PROVISIONING, BOOTSTRAPPING, READY, RELEASING, DELETING, DELETED, FAILED;

    /** Phases reachable in one step from this one. */
    public Set<Phase> next() {
        return switch (this) {
            case REQUESTED -> EnumSet.of(QUEUED, PROVISIONING, FAILED, DELETING);
            case QUEUED -> EnumSet.of(REQUESTED, DELETING);
            case PROVISIONING -> EnumSet.of(BOOTSTRAPPING, FAILED, DELETING);
            case BOOTSTRAPPING -> EnumSet.of(READY, FAILED, DELETING);
            case READY -> EnumSet.of(RELEASING, FAILED, DELETING);
            case RELEASING -> EnumSet.of(READY, FAILED, DELETING);
            case FAILED -> EnumSet.of(DELETING);
            case DELETING -> EnumSet.of(DELETED);
            case DELETED -> EnumSet.noneOf(Phase.class);
        };
    }

    public boolean canMoveTo(Phase target) {
        return next().contains(target);
    }

    /** A live cluster has a record that is not finished with: everything but {@code Deleted}. */
    public boolean isLive() {
        return this != DELETED;
    }

    /**
     * Holds (or is about to hold) resources, so it counts against {@code policies.max-concurrent}:
     * every live phase except {@code Queued}, which waits for a slot precisely because it holds none.
     */
    public boolean countsAgainstLimits() {
        return this != DELETED && this != QUEUED;
    }

    /** Still on its way up: the provisioning timeout applies. {@code Queued} is not: it waits for a slot, not for a cloud. */
    public boolean isProvisioning() {
        return this == REQUESTED || this == PROVISIONING || this == BOOTSTRAPPING;
    }

    public boolean isTerminal() {
        return this == DELETED;
    }

    /** Display name as in the design: {@code Ready}, {@code Deleting}. */
    public String displayName() {
        String n = name();
        return n.charAt(0) + n.substring(1).toLowerCase(java.util.Locale.ROOT);
    }
}
