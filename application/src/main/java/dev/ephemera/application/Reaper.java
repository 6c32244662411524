package dev.ephemera.application;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackends;
import dev.ephemera.ports.backend.OwnedResource;
import dev.ephemera.ports.state.ClusterRepository;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tears down on time: clusters past their lifetime or grace period, stuck while provisioning,
 * failed (unless kept), and orphans — resources a backend owns that no live record claims.
 */
public final class Reaper {
    private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);

    private final ClusterRepository repository;
    private final Reconciler reconciler;
    private final Provider<ClusterBackends> backends;
    private final Policies policies;
    private final Clock clock;

    @Inject
    public Reaper(ClusterRepository repository, Reconciler reconciler, Provider<ClusterBackends> backends, Policies policies, Clock clock) {
        this.repository = repository;
        this.reconciler = reconciler;
        this.backends = backends;
        this.policies = policies;
        this.clock = clock;
    }

    /** What one sweep did. */
    public record Sweep(List<String> markedForDeletion, List<String> deleted, List<OwnedResource> orphansDestroyed) {
    }

    /** Marks what is due, then runs one deletion step for each cluster being deleted. */
    public Sweep sweep(Collection<String> backendsToScanForOrphans) {
        Instant now = clock.instant();
        List<String> marked = new ArrayList<>();
        List<ClusterId> toDelete = new ArrayList<>();
        for (Cluster c : repository.list()) {
            if (c.phase() == Phase.DELETING) {
                toDelete.add(c.id()); // a deletion an earlier sweep or a user started
                continue;
            }
            Optional<String> why = policies.stuckReason(c, now).or(() -> policies.reapReason(c, now));
            if (why.isEmpty()) {
                continue;
            }
            try {
                Cluster next = c.phase().isProvisioning() ? c.moveTo(Phase.FAILED, now, why.get()) : c;
                if (!next.keepOnFailure() || next.phase() != Phase.FAILED) {
                    next = next.moveTo(Phase.DELETING, now, "reaped: " + why.get());
                    toDelete.add(c.id());
                }
                repository.update(next);
                marked.add(c.id().value());
                LOG.info("cluster reaped cluster={} reason={}", c.id(), why.get());
            } catch (EphemeraException e) {
                toDelete.remove(c.id());
                LOG.info("cluster changed while reaping, next sweep decides cluster={} error={}", c.id(), e.getMessage());
            }
        }
        List<String> deleted = new ArrayList<>();
        for (ClusterId id : toDelete) {
            if (reconciler.step(id).cluster().phase() == Phase.DELETED) {
                deleted.add(id.value());
            }
        }
        return new Sweep(marked, deleted, reapOrphans(backendsToScanForOrphans));
    }

    /**
     * Destroys what a backend owns for clusters that have no live record. Each candidate is looked
     * up right before it is destroyed, so a cluster claimed while the sweep runs is never taken
     * for an orphan.
     */
    private List<OwnedResource> reapOrphans(Collection<String> backendNames) {
        List<OwnedResource> destroyed = new ArrayList<>();
        for (String name : backendNames) {
            ClusterBackend b = backends.get().named(name);
            for (OwnedResource r : b.owned()) {
                if (r.clusterId().isEmpty()) {
                    continue;
                }
                ClusterId id = ClusterId.of(r.clusterId().get());
                boolean live = repository.find(id).map(c -> c.phase() != Phase.DELETED).orElse(false);
                if (!live) {
                    LOG.warn("orphan destroyed backend={} kind={} id={} cluster={}", name, r.kind(), r.id(), id);
                    b.destroy(id);
                    destroyed.add(r);
                }
            }
        }
        return destroyed;
    }
}
