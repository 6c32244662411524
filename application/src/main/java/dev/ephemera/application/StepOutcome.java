package dev.ephemera.application;

import dev.ephemera.domain.cluster.Cluster;

/** What one reconcile step did: moved the cluster on, found it waiting on something, or found nothing to do. */
public sealed interface StepOutcome {
    Cluster cluster();

    /** The step changed something; step again at once. */
    record Progressed(Cluster cluster) implements StepOutcome {
    }

    /** The step failed the cluster for good (it moves on to cleanup); {@code cause} says why, with its code. */
    record Failed(Cluster cluster, dev.ephemera.domain.error.EphemeraException cause) implements StepOutcome {
    }

    /**
     * Waiting on the outside world (a server booting, an API answering); step again after a
     * backoff of at most {@code maxDelay}: short where a probe is free and the user is waiting
     * (an API server's {@code /readyz}), longer where each look costs a rate-limited cloud call.
     */
    record Waiting(Cluster cluster, String reason, java.time.Duration maxDelay) implements StepOutcome {
        public Waiting(Cluster cluster, String reason) {
            this(cluster, reason, CLOUD_POLL_CAP);
        }
    }

    /** Backoff cap between looks that each cost a call to a rate-limited cloud API. */
    java.time.Duration CLOUD_POLL_CAP = java.time.Duration.ofSeconds(5);
    /** Backoff cap between free probes, so readiness is noticed within a second. */
    java.time.Duration PROBE_POLL_CAP = java.time.Duration.ofSeconds(1);

    /** Nothing to do until time or a person acts (Ready, Releasing, Failed and kept, Deleted). */
    record Settled(Cluster cluster) implements StepOutcome {
    }
}
