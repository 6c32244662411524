package dev.ephemera.cli;

import dev.ephemera.application.ClusterView;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.secret.Secret;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the {@code cluster} commands do, wherever it is done: {@link LocalClusterService} on the
 * local store and reconciler, {@link RemoteClusterService} through a server's REST API. Both
 * answer the one cluster shape, {@link ClusterView}, so the commands render the same output and
 * throw the same {@code EphemeraException}s (hence exit codes) either way.
 */
interface ClusterService {
    /**
     * A claim as the user gave it, every value already checked.
     *
     * @param backend empty: the backend of the live cluster of this id, else the default one
     */
    record Claim(ClusterId id, Optional<String> backend, Optional<Owner> owner, Optional<Duration> ttl, ClusterSpec spec,
                 List<SinkTarget> pushTo, boolean keepOnFailure, Optional<Duration> heartbeat, Optional<String> fromPool) {
        public Claim {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(fromPool, "fromPool");
            pushTo = List.copyOf(pushTo);
        }
    }

    /** Records the claim (idempotent for the same id) and answers the cluster as it is now. */
    ClusterView claim(Claim claim);

    /**
     * Waits until the cluster is Ready, showing each phase it reaches; throws when it will not be
     * (the code says why) or the timeout passes (TIMEOUT).
     *
     * @param timeout empty: the configured provisioning timeout
     */
    ClusterView awaitReady(ClusterId id, Optional<Duration> timeout, Consumer<ClusterView> progress);

    /** Waits until the cluster is Deleted; TIMEOUT when the timeout passes first. */
    ClusterView awaitDeleted(ClusterId id, Duration timeout, Consumer<ClusterView> progress);

    List<ClusterView> list();

    /** NOT_FOUND when there is no such cluster. */
    ClusterView get(ClusterId id);

    /** The CI kubeconfig of a Ready cluster; NOT_FOUND when there is none (yet). */
    Secret kubeconfig(ClusterId id);

    ClusterView release(ClusterId id);

    ClusterView renew(ClusterId id);

    /** Marks the cluster for deletion; empty when no cluster of that id was ever claimed (nothing to delete). */
    Optional<ClusterView> delete(ClusterId id);
}
