package dev.ephemera.application;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.domain.cluster.SinkTarget;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A request for a cluster.
 *
 * @param id            the cluster's id; claiming the same id again returns the same cluster
 * @param owner         repository and PR it is for, if any
 * @param backend       backend name
 * @param spec          size, location, version
 * @param ttl           lifetime, at most the policy's maximum; empty means the maximum
 * @param pushTo        where its kubeconfig goes, besides the default sinks
 * @param keepOnFailure keep a failed cluster for debugging instead of deleting it
 */
public record ClaimRequest(ClusterId id, Optional<Owner> owner, String backend, ClusterSpec spec, Optional<Duration> ttl,
                           List<SinkTarget> pushTo, boolean keepOnFailure) {
    public ClaimRequest {
        pushTo = List.copyOf(pushTo);
        owner = owner == null ? Optional.empty() : owner;
        ttl = ttl == null ? Optional.empty() : ttl;
    }
}
