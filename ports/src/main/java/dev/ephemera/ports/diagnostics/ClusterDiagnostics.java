package dev.ephemera.ports.diagnostics;

import dev.ephemera.ports.spi.Adapter;

/**
 * Reads a cluster's state for a report: namespaced objects of the common kinds, pod and container
 * states, events and container logs. Read-only. Bounded by the request's limits: a log that cannot
 * be read, or a kind the credentials may not list, becomes a {@link Snapshot#gaps() gap}, never a failure.
 */
public interface ClusterDiagnostics extends Adapter {
    /**
     * Collects one snapshot.
     *
     * @throws dev.ephemera.domain.error.EphemeraException INVALID if the kubeconfig cannot be used,
     *         UNAVAILABLE if the API server cannot be reached at all
     */
    Snapshot collect(DiagnosticsRequest request);
}
