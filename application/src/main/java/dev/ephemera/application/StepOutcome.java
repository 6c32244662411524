package dev.ephemera.application;

import dev.ephemera.domain.cluster.Cluster;

/** What one reconcile step did: moved the cluster on, found it waiting on something, or found nothing to do. */
public sealed interface StepOutcome {
    Cluster cluster();

    /** The step changed something; step again at once. */
    record Progressed(Cluster cluster) implements StepOutcome {
    }

    /** Waiting on the outside world (a server booting, an API answering); step again after a backoff. */
    record Waiting(Cluster cluster, String reason) implements StepOutcome {
    }

    /** Nothing to do until time or a person acts (Ready, Releasing, Failed and kept, Deleted). */
    record Settled(Cluster cluster) implements StepOutcome {
    }
}
