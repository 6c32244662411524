package dev.ephemera.domain.warmpool;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.cluster.TimelineEvent;
import dev.ephemera.domain.error.EphemeraException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a cluster record says it belongs to a warm pool, and how a claim takes it. Members are
 * ordinary cluster records whose spec carries labels (kept by every store, and put on the
 * backend's resources when the member is made):
 * <ul>
 *   <li>{@value #POOL}: the pool's name, on every member, claimed or not;</li>
 *   <li>{@value #CLAIMED_AS}: the id of the claim that took the member — the claim's alias;
 *       absent while the member waits in the pool;</li>
 *   <li>{@value #HIBERNATED}: {@code true} while the member's nodes are stopped.</li>
 * </ul>
 * A claim is <em>aliased</em>, not re-keyed: the member keeps its id, so everything found by id
 * (the backend's labelled resources, the IP lease, stored credentials, default sinks) stays
 * consistent and nothing can look orphaned; the claim's id resolves to the member.
 */
public final class PoolMembership {
    public static final String POOL = "ephemera.dev/warm-pool";
    public static final String CLAIMED_AS = "ephemera.dev/claimed-as";
    public static final String HIBERNATED = "ephemera.dev/hibernated";

    private PoolMembership() {
    }

    /** The pool {@code c} was made for, if it is a member. */
    public static Optional<String> pool(Cluster c) {
        return Optional.ofNullable(c.spec().labels().get(POOL));
    }

    /** The claim that took {@code c}, if any. */
    public static Optional<ClusterId> claimedAs(Cluster c) {
        return Optional.ofNullable(c.spec().labels().get(CLAIMED_AS)).map(ClusterId::of);
    }

    public static boolean hibernated(Cluster c) {
        return "true".equals(c.spec().labels().get(HIBERNATED));
    }

    /** A member of {@code pool} still waiting for a claim (in whatever phase). */
    public static boolean isUnclaimedMemberOf(Cluster c, String pool) {
        return pool.equals(c.spec().labels().get(POOL)) && claimedAs(c).isEmpty();
    }

    /** Whether {@code c} is the live cluster a claim of {@code alias} took. */
    public static boolean isAliasOf(Cluster c, ClusterId alias) {
        return c.phase() != Phase.DELETING && c.phase() != Phase.DELETED && claimedAs(c).map(alias::equals).orElse(false);
    }

    /** The spec a new member of {@code pool} is made with: the pool's, marked with its name. */
    public static ClusterSpec memberSpec(WarmPoolSpec pool) {
        Map<String, String> labels = new HashMap<>(pool.spec().labels());
        labels.put(POOL, pool.name());
        return new ClusterSpec(pool.spec().kubernetesVersion(), pool.spec().size(), pool.spec().location(), labels, pool.spec().addons());
    }

    /** {@code c} with its hibernation mark set or cleared, and the event on its timeline. */
    public static Cluster withHibernated(Cluster c, boolean hibernated, Instant now, String message) {
        Map<String, String> labels = new HashMap<>(c.spec().labels());
        if (hibernated) {
            labels.put(HIBERNATED, "true");
        } else {
            labels.remove(HIBERNATED);
        }
        return withSpec(c, relabelled(c.spec(), labels)).note(now, message);
    }

    /**
     * The member as taken by a claim: aliased to {@code claim}, owned by the claimer, pushing to the
     * claim's sinks, living {@code lifetime} from now, with the claim's heartbeat.
     *
     * @throws EphemeraException CONFLICT if {@code member} is not an unclaimed, Ready member
     */
    public static Cluster claim(Cluster member, ClusterId claim, Optional<Owner> owner, List<SinkTarget> sinks, Duration lifetime,
                                Optional<Duration> heartbeat, boolean keepOnFailure, Instant now) {
        String pool = pool(member).orElseThrow(() -> EphemeraException.conflict("cluster " + member.id() + " is no warm pool member"));
        if (member.phase() != Phase.READY || claimedAs(member).isPresent()) {
            throw EphemeraException.conflict("warm pool member " + member.id() + " is not free (" + member.phase().displayName()
                    + claimedAs(member).map(a -> ", claimed as " + a).orElse("") + ")");
        }
        if (lifetime.isZero() || lifetime.isNegative()) {
            throw EphemeraException.invalid("lifetime must be positive, got " + lifetime);
        }
        Map<String, String> labels = new HashMap<>(member.spec().labels());
        labels.put(CLAIMED_AS, claim.value());
        List<TimelineEvent> timeline = new ArrayList<>(member.timeline());
        timeline.add(new TimelineEvent(now, member.phase(), "claimed as " + claim + " from warm pool " + pool
                + owner.map(o -> " for " + o).orElse("")));
        Cluster taken = new Cluster(member.id(), owner, member.backend(), relabelled(member.spec(), labels), member.phase(),
                member.phaseSince(), member.endpoint(), member.lease(), member.backendRef(), member.createdAt(), member.readyAt(),
                now.plus(lifetime), Optional.empty(), member.failureReason(), keepOnFailure, sinks, timeline, Optional.empty(),
                Optional.empty(), member.version());
        return taken.withHeartbeat(heartbeat, now);
    }

    private static ClusterSpec relabelled(ClusterSpec s, Map<String, String> labels) {
        return new ClusterSpec(s.kubernetesVersion(), s.size(), s.location(), labels, s.addons());
    }

    private static Cluster withSpec(Cluster c, ClusterSpec spec) {
        return new Cluster(c.id(), c.owner(), c.backend(), spec, c.phase(), c.phaseSince(), c.endpoint(), c.lease(), c.backendRef(),
                c.createdAt(), c.readyAt(), c.expiresAt(), c.deleteAfter(), c.failureReason(), c.keepOnFailure(), c.sinks(),
                c.timeline(), c.heartbeat(), c.lastRenewedAt(), c.version());
    }
}
