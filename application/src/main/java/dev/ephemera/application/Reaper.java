package dev.ephemera.application;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
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
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tears down on time: clusters past their lifetime or grace period, stuck while provisioning,
 * failed (unless kept, and then only until the lifetime ends), and orphans — resources a backend
 * owns that no live record claims. A sweep survives any exception of an adapter: each failed
 * deletion is reported in {@link Sweep#failures()} and the rest of the sweep goes on.
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

    /**
     * What one sweep did. {@code failures} lists every deletion it tried that did not succeed (the
     * next sweep tries again); one failure never stops the rest of the sweep.
     */
    public record Sweep(List<String> markedForDeletion, List<String> deleted, List<OwnedResource> orphansDestroyed, List<Failure> failures) {
        public Sweep {
            markedForDeletion = List.copyOf(markedForDeletion);
            deleted = List.copyOf(deleted);
            orphansDestroyed = List.copyOf(orphansDestroyed);
            failures = List.copyOf(failures);
        }

        public Sweep(List<String> markedForDeletion, List<String> deleted, List<OwnedResource> orphansDestroyed) {
            this(markedForDeletion, deleted, orphansDestroyed, List.of());
        }
    }

    /**
     * A deletion that failed: {@code subject} is {@code cluster ID} or {@code orphans BACKEND}
     * ({@code orphan BACKEND KIND/ID} for one resource); {@code code} is the error's, {@code BACKEND}
     * when the backend kept refusing, {@code INTERNAL} for an unexpected exception.
     */
    public record Failure(String subject, ErrorCode code, String reason) {
    }

    /**
     * Refuses, before anything is deleted, backend names that are not installed.
     *
     * @throws EphemeraException CONFIGURATION naming the unknown ones and the installed ones
     */
    public void requireKnownBackends(Collection<String> names) {
        Set<String> known = new TreeSet<>(backends.get().names());
        List<String> unknown = names.stream().filter(n -> !known.contains(n)).distinct().toList();
        if (!unknown.isEmpty()) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "no backend named " + String.join(", ", unknown)
                    + " is installed, so it cannot be checked for orphans; installed backends: "
                    + (known.isEmpty() ? "(none)" : String.join(", ", known)));
        }
    }

    /** Marks what is due, then runs one deletion step for each cluster being deleted. */
    public Sweep sweep(Collection<String> backendsToScanForOrphans) {
        Instant now = clock.instant();
        List<String> marked = new ArrayList<>();
        List<ClusterId> toDelete = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        for (Cluster c : repository.list()) {
            if (c.phase() == Phase.DELETING) {
                toDelete.add(c.id()); // a deletion an earlier sweep or a user started
                continue;
            }
            Optional<String> stuck = policies.stuckReason(c, now);
            Optional<String> due = policies.reapReason(c, now);
            Optional<String> why = stuck.or(() -> due);
            if (why.isEmpty()) {
                continue;
            }
            try {
                Cluster next = c.phase().isProvisioning() ? c.moveTo(Phase.FAILED, now, why.get()) : c;
                // Kept for debugging means kept as Failed until the lifetime ends, never longer.
                boolean keep = next.phase() == Phase.FAILED && next.keepOnFailure() && due.isEmpty();
                if (!keep) {
                    next = next.moveTo(Phase.DELETING, now, "reaped: " + why.get());
                    toDelete.add(c.id());
                }
                repository.update(next);
                marked.add(c.id().value());
                LOG.info("cluster reaped cluster={} reason={}", c.id(), why.get());
            } catch (EphemeraException e) {
                toDelete.remove(c.id());
                if (e.code() == ErrorCode.CONFLICT) {
                    LOG.info("cluster changed while reaping, next sweep decides cluster={} error={}", c.id(), e.getMessage());
                } else {
                    failures.add(failed("cluster " + c.id(), e));
                }
            } catch (RuntimeException e) {
                toDelete.remove(c.id());
                failures.add(failed("cluster " + c.id(), e));
            }
        }
        List<String> deleted = new ArrayList<>();
        for (ClusterId id : toDelete) {
            try {
                StepOutcome o = reconciler.step(id);
                if (o.cluster().phase() == Phase.DELETED) {
                    deleted.add(id.value());
                } else if (o instanceof StepOutcome.Waiting w && o.cluster().phase() == Phase.DELETING) {
                    // The reconciler keeps a deletion it could not finish in Deleting and says why.
                    failures.add(new Failure("cluster " + id, ErrorCode.BACKEND, w.reason()));
                    LOG.warn("reaper could not delete cluster={} reason={}", id, w.reason());
                }
            } catch (EphemeraException e) {
                if (e.code() != ErrorCode.CONFLICT) {
                    failures.add(failed("cluster " + id, e));
                }
            } catch (RuntimeException e) {
                failures.add(failed("cluster " + id, e));
            }
        }
        return new Sweep(marked, deleted, reapOrphans(backendsToScanForOrphans, failures), failures);
    }

    private static Failure failed(String subject, RuntimeException e) {
        if (e instanceof EphemeraException ee) {
            LOG.warn("reaper could not delete subject={} code={} reason={}", subject, ee.code(), ee.getMessage());
            return new Failure(subject, ee.code(), ee.getMessage());
        }
        LOG.error("reaper could not delete subject={}", subject, e);
        return new Failure(subject, ErrorCode.INTERNAL, e.getClass().getSimpleName() + ": " + e.getMessage());
    }

    /**
     * Destroys what a backend owns for clusters that have no live record. Each candidate is looked
     * up right before it is destroyed, so a cluster claimed while the sweep runs is never taken
     * for an orphan. A backend that cannot be listed, or a resource that cannot be destroyed, is a
     * failure of the sweep; the other backends and resources are still handled.
     */
    private List<OwnedResource> reapOrphans(Collection<String> backendNames, List<Failure> failures) {
        List<OwnedResource> destroyed = new ArrayList<>();
        for (String name : backendNames) {
            ClusterBackend b;
            List<OwnedResource> owned;
            try {
                b = backends.get().named(name);
                owned = b.owned();
            } catch (RuntimeException e) {
                failures.add(failed("orphans " + name, e));
                continue;
            }
            for (OwnedResource r : owned) {
                if (r.clusterId().isEmpty()) {
                    continue;
                }
                try {
                    ClusterId id = ClusterId.of(r.clusterId().get());
                    boolean live = repository.find(id).map(c -> c.phase() != Phase.DELETED).orElse(false);
                    if (!live) {
                        LOG.warn("orphan destroyed backend={} kind={} id={} cluster={}", name, r.kind(), r.id(), id);
                        b.destroy(id);
                        destroyed.add(r);
                    }
                } catch (RuntimeException e) {
                    failures.add(failed("orphan " + name + " " + r.kind() + "/" + r.id(), e));
                }
            }
        }
        return destroyed;
    }
}
