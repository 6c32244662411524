package dev.ephemera.ports.state;

import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.error.EphemeraException;

/**
 * The concurrency caps a write must stay within, for one cluster's backend: at most
 * {@code global} clusters counting against the limits in the whole store, and at most
 * {@code onBackend} on the cluster's own backend (see
 * {@link dev.ephemera.domain.cluster.Phase#countsAgainstLimits()}).
 */
public record Limits(int global, int onBackend) {
    public Limits {
        if (global < 1 || onBackend < 1) {
            throw EphemeraException.invalid("concurrency limits must be at least 1, got global " + global + " and per backend " + onBackend);
        }
    }

    /** The caps {@code policies} set for {@code backend}. */
    public static Limits of(Policies policies, String backend) {
        return new Limits(policies.maxConcurrent(), policies.maxConcurrentFor(backend));
    }
}
