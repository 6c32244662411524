package dev.ephemera.application;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Phase;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Phase changes of clusters, as this process sees them: published by whoever saves a phase change
 * here ({@link Clusters}, {@link ClusterDriver}) and by the driver's rescans for changes other
 * processes made. Each change is published once per process: the last phase seen for each cluster
 * is remembered, so two publishers seeing the same save announce it once. Subscribers run on the
 * publisher's thread and must be quick; one that throws is logged and the others still hear it.
 */
@Singleton
public final class ClusterEvents {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterEvents.class);

    private final CopyOnWriteArrayList<Consumer<PhaseChange>> subscribers = new CopyOnWriteArrayList<>();
    private final Map<ClusterId, Seen> lastSeen = new ConcurrentHashMap<>();

    /** The last record seen of a cluster; {@code createdAt} tells a new claim of a reused id from the old one. */
    private record Seen(Phase phase, long version, java.time.Instant createdAt) {
        static Seen of(Cluster c) {
            return new Seen(c.phase(), c.version(), c.createdAt());
        }

        boolean isNewerThanOrSame(Cluster c) {
            return createdAt.equals(c.createdAt()) && version >= c.version();
        }
    }

    /** Hears every later change until the returned handle is closed. */
    public AutoCloseable subscribe(Consumer<PhaseChange> subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    /**
     * The record {@code c} was saved or read: publishes a change if its phase differs from the one
     * last seen (or the cluster is new to this process). An older version than one already seen is
     * ignored, so a late reader never announces a phase going backwards.
     */
    public void saw(Cluster c) {
        @SuppressWarnings("unchecked")
        Optional<Phase>[] from = new Optional[1];
        boolean[] changed = {false};
        lastSeen.compute(c.id(), (id, seen) -> {
            if (seen != null && seen.isNewerThanOrSame(c)) {
                return seen;
            }
            boolean sameClaim = seen != null && seen.createdAt().equals(c.createdAt());
            changed[0] = !sameClaim || seen.phase() != c.phase();
            from[0] = sameClaim ? Optional.of(seen.phase()) : Optional.empty();
            return Seen.of(c);
        });
        if (changed[0]) {
            publish(new PhaseChange(c, from[0], c.phase(), c.phaseSince()));
        }
    }

    /** Remembers {@code c}'s phase without announcing it: what a process finds at start is not news. */
    public void know(Cluster c) {
        lastSeen.compute(c.id(), (id, seen) -> seen != null && seen.isNewerThanOrSame(c) ? seen : Seen.of(c));
    }

    /** Forgets a cluster whose record is gone from the store, so memory does not grow with every claim ever made. */
    public void forget(ClusterId id) {
        lastSeen.remove(id);
    }

    private void publish(PhaseChange change) {
        for (Consumer<PhaseChange> s : subscribers) {
            try {
                s.accept(change);
            } catch (RuntimeException e) {
                LOG.warn("phase change subscriber failed cluster={} to={} error={}", change.cluster().id(), change.to(), e.toString());
            }
        }
    }
}
