package dev.ephemera.domain.cluster;

/** The address a cluster holds in a pool; the holder is the cluster id. */
public record LeaseRef(String pool, String address) {
}
