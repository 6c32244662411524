package dev.ephemera.api;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.error.EphemeraException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What to claim, and how to treat the claim. Built with {@link #builder()}; every value is checked
 * when the request is made (an invalid id, owner or push target, or a duration that is not
 * positive, is refused with {@code INVALID}), so nothing is claimed for a bad request.
 *
 * @param id                the cluster id (DNS-1123 label, at most 40 characters); claiming the
 *                          same id again returns the same cluster
 * @param backend           the backend; empty means the configuration's {@code backend:} (embedded)
 *                          or the server's (client mode)
 * @param ttl               lifetime, at most {@code policies.max-lifetime}; empty means that maximum
 * @param owner             {@code OWNER/REPO} or {@code OWNER/REPO#PR}
 * @param size              backend-specific size
 * @param location          backend-specific location
 * @param kubernetesVersion Kubernetes (K3s) version
 * @param pushTo            {@code SINK:SCOPE:NAME} targets the kubeconfig is pushed to besides the configured sinks
 * @param pool              a warm pool to claim from ({@code warm-pools:} in the configuration, docs/warm-pools.md):
 *                          a Ready member is handed over at once, aliased to {@code id}; an empty pool
 *                          falls back to a new cluster or waits, as the pool says; an unknown pool is {@code NOT_FOUND}
 * @param readyTimeout      how long {@code claim} waits for Ready; empty means
 *                          {@code policies.provisioning-timeout} (embedded) or 15 minutes (client mode)
 * @param onClose           what {@code close()} does: delete (the default) or release
 * @param closeTimeout      how long {@code close()} waits for a deletion to finish
 */
public record ClusterRequest(String id, Optional<String> backend, Optional<Duration> ttl, Optional<String> owner, Optional<String> size,
                             Optional<String> location, Optional<String> kubernetesVersion, List<String> pushTo, Optional<String> pool,
                             Optional<Duration> readyTimeout, OnClose onClose, Duration closeTimeout) {
    /** How long {@code close()} waits for a deletion by default, as {@code ephemera cluster delete --wait}. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofMinutes(15);

    public ClusterRequest {
        Objects.requireNonNull(id, "id");
        ClusterId.of(id);
        backend = nonBlank("backend", backend);
        ttl = positive("ttl", ttl);
        owner = nonBlank("owner", owner);
        owner.ifPresent(Owner::parse);
        size = nonBlank("size", size);
        location = nonBlank("location", location);
        kubernetesVersion = nonBlank("kubernetesVersion", kubernetesVersion);
        pushTo = List.copyOf(pushTo);
        pushTo.forEach(SinkTarget::parse);
        pool = nonBlank("pool", pool);
        readyTimeout = positive("readyTimeout", readyTimeout);
        Objects.requireNonNull(onClose, "onClose");
        positive("closeTimeout", Optional.of(Objects.requireNonNull(closeTimeout, "closeTimeout")));
    }

    public static Builder builder() {
        return new Builder();
    }

    private static Optional<String> nonBlank(String what, Optional<String> v) {
        Objects.requireNonNull(v, what);
        if (v.isPresent() && v.get().isBlank()) {
            throw EphemeraException.invalid(what + " must not be blank; leave it out for the default");
        }
        return v.map(String::strip);
    }

    private static Optional<Duration> positive(String what, Optional<Duration> d) {
        Objects.requireNonNull(d, what);
        if (d.isPresent() && (d.get().isZero() || d.get().isNegative())) {
            throw EphemeraException.invalid(what + " must be a positive duration, e.g. 1h or 30m; got " + d.get());
        }
        return d;
    }

    /** Builds a {@link ClusterRequest}; only {@link #id} is required. */
    public static final class Builder {
        private String id;
        private String backend;
        private Duration ttl;
        private String owner;
        private String size;
        private String location;
        private String kubernetesVersion;
        private final List<String> pushTo = new ArrayList<>();
        private String pool;
        private Duration readyTimeout;
        private OnClose onClose = OnClose.DELETE;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;

        private Builder() {
        }

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder backend(String backend) {
            this.backend = backend;
            return this;
        }

        public Builder ttl(Duration ttl) {
            this.ttl = ttl;
            return this;
        }

        /** The lifetime written as Ephemera writes durations elsewhere: {@code 1h}, {@code 90m}, {@code 3d}. */
        public Builder ttl(String ttl) {
            this.ttl = DurationText.parse(ttl);
            return this;
        }

        public Builder owner(String owner) {
            this.owner = owner;
            return this;
        }

        public Builder size(String size) {
            this.size = size;
            return this;
        }

        public Builder location(String location) {
            this.location = location;
            return this;
        }

        public Builder kubernetesVersion(String version) {
            this.kubernetesVersion = version;
            return this;
        }

        /** Adds a {@code SINK:SCOPE:NAME} push target (repeatable). */
        public Builder pushTo(String target) {
            this.pushTo.add(target);
            return this;
        }

        public Builder pool(String pool) {
            this.pool = pool;
            return this;
        }

        public Builder readyTimeout(Duration timeout) {
            this.readyTimeout = timeout;
            return this;
        }

        public Builder onClose(OnClose onClose) {
            this.onClose = onClose;
            return this;
        }

        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = timeout;
            return this;
        }

        public ClusterRequest build() {
            if (id == null) {
                throw EphemeraException.invalid("a cluster request needs an id: lower-case letters, digits and '-', at most 40 characters");
            }
            return new ClusterRequest(id, Optional.ofNullable(backend), Optional.ofNullable(ttl), Optional.ofNullable(owner),
                    Optional.ofNullable(size), Optional.ofNullable(location), Optional.ofNullable(kubernetesVersion), pushTo,
                    Optional.ofNullable(pool), Optional.ofNullable(readyTimeout), onClose, closeTimeout);
        }
    }
}
