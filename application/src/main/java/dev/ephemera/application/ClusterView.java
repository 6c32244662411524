package dev.ephemera.application;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.cluster.SinkTarget;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The one shape of a cluster that users see, in every output format and over every channel: the
 * CLI's {@code create}, {@code get} and {@code list} with {@code -o json|yaml}, and the REST API.
 * Plain values only (strings, numbers, instants, optionals, lists), so any JSON mapper writes and
 * reads it the same way; the phase is its display name ({@code Ready}), never the enum constant.
 * Documented field by field in docs/clusters.md.
 */
public record ClusterView(
        String id,
        String phase,
        String backend,
        Optional<OwnerView> owner,
        SpecView spec,
        Optional<EndpointView> endpoint,
        Optional<LeaseView> lease,
        Optional<String> backendId,
        Instant createdAt,
        Instant phaseSince,
        Optional<Instant> readyAt,
        Instant expiresAt,
        Optional<Instant> deleteAfter,
        Optional<String> failureReason,
        boolean keepOnFailure,
        List<String> pushTo,
        List<EventView> timeline,
        Optional<String> heartbeat,
        Optional<Instant> renewBy,
        long version) {

    public ClusterView {
        pushTo = List.copyOf(pushTo);
        timeline = List.copyOf(timeline);
    }

    /** Repository {@code OWNER/REPO} and the pull request number, if any. */
    public record OwnerView(String repository, Optional<Integer> pullRequest) {
    }

    /** What was asked for; absent values are the backend's defaults. */
    public record SpecView(Optional<String> kubernetesVersion, Optional<String> size, Optional<String> location) {
    }

    /** Where the API server answers. */
    public record EndpointView(String apiUrl, Optional<String> dnsName, Optional<String> ipAddress) {
    }

    /** The address leased for the cluster, and its pool. */
    public record LeaseView(String pool, String address) {
    }

    /** One entry of the timeline. */
    public record EventView(Instant at, String phase, String message) {
    }

    public static ClusterView of(Cluster c) {
        return new ClusterView(
                c.id().value(),
                c.phase().displayName(),
                c.backend(),
                c.owner().map(o -> new OwnerView(o.repository(), o.pullRequest())),
                new SpecView(c.spec().kubernetesVersion(), c.spec().size(), c.spec().location()),
                c.endpoint().map(e -> new EndpointView(e.apiUrl().toString(), e.dnsName(), e.ipAddress())),
                c.lease().map(l -> new LeaseView(l.pool(), l.address())),
                c.backendRef().map(r -> r.id()),
                c.createdAt(),
                c.phaseSince(),
                c.readyAt(),
                c.expiresAt(),
                c.deleteAfter(),
                c.failureReason(),
                c.keepOnFailure(),
                c.sinks().stream().map(SinkTarget::toString).toList(),
                c.timeline().stream().map(e -> new EventView(e.at(), e.phase().displayName(), e.message())).toList(),
                c.heartbeat().map(DurationText::format),
                c.heartbeatDeadline(),
                c.version());
    }
}
