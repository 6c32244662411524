package dev.ephemera.ports.claims;

import java.util.Objects;
import java.util.Optional;

/**
 * A claim object as last seen.
 *
 * @param ref             namespace and name
 * @param uid             the object's uid (a new object of the same name has another)
 * @param generation      {@code metadata.generation}: moves on with every change of the spec
 * @param spec            the spec as written
 * @param deleting        {@code metadata.deletionTimestamp} is set: someone deleted it and the finalizer holds it
 * @param hasFinalizer    Ephemera's finalizer {@code ephemera.dev/cluster} is on it
 * @param statusClusterId {@code status.clusterId}: the cluster this object claimed, once it did
 */
public record ClaimObject(ClaimRef ref, String uid, long generation, ClaimSpec spec, boolean deleting, boolean hasFinalizer,
                          Optional<String> statusClusterId) {
    public ClaimObject {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(spec, "spec");
        statusClusterId = statusClusterId == null ? Optional.empty() : statusClusterId.filter(s -> !s.isBlank());
    }
}
