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
 * @param heartbeat     if present, the cluster is released unless renewed within this time
 *                      (at least {@link dev.ephemera.domain.cluster.Cluster#MIN_HEARTBEAT})
 * @param queue         beyond the concurrency cap, record the claim as Queued (it starts when
 *                      a slot frees, oldest first) instead of refusing it with LIMIT_EXCEEDED
 */
public record ClaimRequest(ClusterId id, Optional<Owner> owner, String backend, ClusterSpec spec, Optional<Duration> ttl,
                           List<SinkTarget> pushTo, boolean keepOnFailure, Optional<Duration> heartbeat, boolean queue) {
    public ClaimRequest {
        pushTo = List.copyOf(pushTo);
        owner = owner == null ? Optional.empty() : owner;
        ttl = ttl == null ? Optional.empty() : ttl;
        heartbeat = heartbeat == null ? Optional.empty() : heartbeat;
    }

    /** A claim without heartbeat that is refused beyond the cap (the shape before heartbeats and queueing). */
    public ClaimRequest(ClusterId id, Optional<Owner> owner, String backend, ClusterSpec spec, Optional<Duration> ttl,
                        List<SinkTarget> pushTo, boolean keepOnFailure) {
        this(id, owner, backend, spec, ttl, pushTo, keepOnFailure, Optional.empty(), false);
    }
}
