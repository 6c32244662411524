package dev.ephemera.domain.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QueueAndHeartbeatTest {
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    private final Policies policies = Policies.defaults();

    private static Cluster claim(Optional<Duration> heartbeat) {
        return Cluster.requested(ClusterId.of("pr-1"), Optional.empty(), "kind", ClusterSpec.defaults(), T0, Duration.ofDays(1))
                .withHeartbeat(heartbeat, T0);
    }

    private static Cluster ready(Cluster c) {
        return c.moveTo(Phase.PROVISIONING, T0, "").moveTo(Phase.BOOTSTRAPPING, T0, "").moveTo(Phase.READY, T0, "");
    }

    @Test
    void queuedHoldsNothingCountsAgainstNoLimitAndCanOnlyStartOrBeDeleted() {
        assertThat(Phase.QUEUED.countsAgainstLimits()).isFalse();
        assertThat(Phase.QUEUED.isLive()).isTrue();
        assertThat(Phase.QUEUED.isProvisioning()).isFalse();
        assertThat(Phase.QUEUED.next()).containsExactlyInAnyOrder(Phase.REQUESTED, Phase.DELETING);
        assertThat(Phase.REQUESTED.canMoveTo(Phase.QUEUED)).isTrue();
        assertThat(Phase.QUEUED.displayName()).isEqualTo("Queued");
        for (Phase p : Phase.values()) {
            assertThat(p.countsAgainstLimits()).as(p.name()).isEqualTo(p != Phase.QUEUED && p != Phase.DELETED);
        }
    }

    @Test
    void leavingTheQueueStartsLifetimeAndProvisioningTimeoutAfresh() {
        Cluster queued = claim(Optional.empty()).moveTo(Phase.QUEUED, T0, "cap full");
        Instant later = T0.plus(Duration.ofHours(2));

        Cluster started = queued.dequeue(later);

        assertThat(started.phase()).isEqualTo(Phase.REQUESTED);
        assertThat(started.expiresAt()).isEqualTo(later.plus(Duration.ofDays(1)));
        assertThat(started.provisioningSince()).isEqualTo(later);
        assertThat(policies.stuckReason(started, later.plus(Duration.ofMinutes(14)))).isEmpty();
        assertThat(policies.stuckReason(started, later.plus(Duration.ofMinutes(15)))).isPresent();
        assertThatThrownBy(() -> started.dequeue(later)).isInstanceOf(EphemeraException.class);
    }

    @Test
    void aMissedHeartbeatReleasesOnlyWhenItRunsOut() {
        Cluster c = ready(claim(Optional.of(Duration.ofMinutes(10))));

        assertThat(c.heartbeatDeadline()).contains(T0.plus(Duration.ofMinutes(10)));
        assertThat(policies.heartbeatMissed(c, T0.plus(Duration.ofMinutes(9)))).isEmpty();
        assertThat(policies.heartbeatMissed(c, T0.plus(Duration.ofMinutes(10)))).get().asString().contains("10m");

        Cluster renewed = c.renew(T0.plus(Duration.ofMinutes(9)));
        assertThat(renewed.heartbeatDeadline()).contains(T0.plus(Duration.ofMinutes(19)));
        assertThat(policies.heartbeatMissed(renewed, T0.plus(Duration.ofMinutes(18)))).isEmpty();
        assertThat(renewed.version()).isEqualTo(c.version());
    }

    @Test
    void withoutAHeartbeatNothingIsEverMissed() {
        Cluster c = ready(claim(Optional.empty()));

        assertThat(c.heartbeatDeadline()).isEmpty();
        assertThat(policies.heartbeatMissed(c, T0.plus(Duration.ofDays(365)))).isEmpty();
    }

    @Test
    void renewingInTheGracePeriodReturnsToReadyAndDeletionCannotBeRenewed() {
        Cluster released = ready(claim(Optional.of(Duration.ofMinutes(10)))).release(T0.plusSeconds(700), Duration.ofHours(1), "missed");
        assertThat(policies.heartbeatMissed(released, T0.plus(Duration.ofHours(1)))).as("grace rules apply now").isEmpty();

        Cluster back = released.renew(T0.plusSeconds(800));
        assertThat(back.phase()).isEqualTo(Phase.READY);
        assertThat(back.deleteAfter()).isEmpty();
        assertThat(back.lastRenewedAt()).contains(T0.plusSeconds(800));

        Cluster deleting = back.moveTo(Phase.DELETING, T0.plusSeconds(900), "deleted");
        assertThatThrownBy(() -> deleting.renew(T0.plusSeconds(901))).isInstanceOf(EphemeraException.class)
                .satisfies(e -> assertThat(((EphemeraException) e).code()).isEqualTo(ErrorCode.CONFLICT));
    }

    @Test
    void aHeartbeatBelowTheMinimumIsInvalid() {
        assertThatThrownBy(() -> claim(Optional.of(Duration.ofSeconds(9)))).isInstanceOf(EphemeraException.class)
                .satisfies(e -> assertThat(((EphemeraException) e).code()).isEqualTo(ErrorCode.INVALID));
    }
}
