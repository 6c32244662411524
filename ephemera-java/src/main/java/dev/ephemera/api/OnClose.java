package dev.ephemera.api;

/** What {@link EphemeralCluster#close()} does with the cluster. */
public enum OnClose {
    /**
     * Delete it and wait until everything of it is gone (the default): when {@code close()} returns,
     * the backend's resources, the lease and the pushed secrets are removed.
     */
    DELETE,
    /**
     * Release it: a Ready cluster enters its grace period ({@code policies.grace}) and is deleted
     * afterwards unless claimed again with the same id. Something must do that deletion: a running
     * {@code ephemera server} (its driver and reaper), or {@code ephemera cluster reap}.
     */
    RELEASE
}
