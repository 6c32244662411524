package dev.ephemera.domain.cluster;

/** The backend's own id for a cluster (a Hetzner server id, a kind cluster name). */
public record BackendRef(String backend, String id) {
}
