package dev.ephemera.server;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.error.EphemeraException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The body of {@code POST /v1/clusters}, checked field by field before anything is recorded.
 *
 * @param backend  empty means the configuration's default backend (or, with {@code fromPool}, the pool's)
 * @param fromPool a warm pool to take a Ready member from (docs/warm-pools.md)
 */
record ClaimBody(ClusterId id, Optional<String> backend, Optional<Owner> owner, Optional<Duration> ttl, ClusterSpec spec,
                 List<SinkTarget> pushTo, Optional<Duration> heartbeat, boolean queue, boolean keepOnFailure, Optional<String> fromPool) {

    static final Set<String> FIELDS = Set.of("id", "backend", "owner", "ttl", "size", "location", "kubernetesVersion", "pushTo",
            "heartbeat", "queue", "keepOnFailure", "fromPool");

    static ClaimBody parse(ApiJson.Body b) {
        ClusterId id = ClusterId.of(b.requireString("id"));
        Optional<String> backend = b.string("backend").map(String::trim);
        if (backend.isPresent() && backend.get().isEmpty()) {
            throw EphemeraException.invalid("field backend must not be empty; leave it out for the default backend");
        }
        Optional<Owner> owner = b.string("owner").map(Owner::parse);
        Optional<Duration> ttl = b.string("ttl").map(t -> positive("ttl", t));
        Optional<Duration> heartbeat = b.string("heartbeat").map(t -> positive("heartbeat", t));
        ClusterSpec spec = new ClusterSpec(nonBlank(b, "kubernetesVersion"), nonBlank(b, "size"), nonBlank(b, "location"), Map.of(), List.of());
        List<SinkTarget> push = b.strings("pushTo").stream().map(SinkTarget::parse).toList();
        Optional<String> fromPool = b.string("fromPool").map(String::trim);
        if (fromPool.isPresent() && fromPool.get().isEmpty()) {
            throw EphemeraException.invalid("field fromPool must not be empty; leave it out unless you claim from a warm pool");
        }
        return new ClaimBody(id, backend, owner, ttl, spec, push, heartbeat, b.bool("queue", false), b.bool("keepOnFailure", false), fromPool);
    }

    private static Optional<String> nonBlank(ApiJson.Body b, String field) {
        Optional<String> v = b.string(field);
        if (v.isPresent() && v.get().isBlank()) {
            throw EphemeraException.invalid("field " + field + " must not be blank; leave it out for the backend's default");
        }
        return v;
    }

    private static Duration positive(String field, String text) {
        Duration d;
        try {
            d = DurationText.parse(text);
        } catch (EphemeraException e) {
            throw EphemeraException.invalid("field " + field + ": " + e.getMessage());
        }
        if (d.isZero() || d.isNegative()) {
            throw EphemeraException.invalid("field " + field + " must be a positive duration, e.g. 3d, 10m");
        }
        return d;
    }
}
