package dev.ephemera.domain.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PhaseTest {
    private static final Instant T0 = Instant.parse("2026-11-25T00:00:00Z");

    @Test
    void theHappyPathFollowsTheTable() {
        Cluster c = Cluster.requested(ClusterId.of("pr-42-shop"), Optional.of(Owner.parse("acme/shop#42")), "hetzner",
                ClusterSpec.defaults(), T0, Duration.ofDays(3));
        for (Phase p : new Phase[] {Phase.PROVISIONING, Phase.BOOTSTRAPPING, Phase.READY}) {
            c = c.moveTo(p, T0.plusSeconds(1), "step");
        }
        assertThat(c.readyAt()).contains(T0.plusSeconds(1));
        c = c.release(T0.plusSeconds(10), Duration.ofHours(1), "PR closed");
        assertThat(c.phase()).isEqualTo(Phase.RELEASING);
        assertThat(c.deleteAfter()).contains(T0.plusSeconds(10).plus(Duration.ofHours(1)));
        Cluster reclaimed = c.moveTo(Phase.READY, T0.plusSeconds(20), "reopened");
        assertThat(reclaimed.deleteAfter()).isEmpty();
        assertThat(reclaimed.timeline()).extracting(TimelineEvent::phase).containsExactly(Phase.REQUESTED, Phase.PROVISIONING,
                Phase.BOOTSTRAPPING, Phase.READY, Phase.RELEASING, Phase.READY);
    }

    @Test
    void failedIsReachableFromEveryLivePhaseAndEndsInDeleting() {
        for (Phase p : EnumSet.of(Phase.REQUESTED, Phase.PROVISIONING, Phase.BOOTSTRAPPING, Phase.READY, Phase.RELEASING)) {
            assertThat(p.canMoveTo(Phase.FAILED)).as(p.name()).isTrue();
        }
        assertThat(Phase.FAILED.next()).containsExactly(Phase.DELETING);
        assertThat(Phase.DELETED.next()).isEmpty();
    }

    @Test
    void anIllegalMoveIsAConflict() {
        Cluster c = Cluster.requested(ClusterId.of("a"), Optional.empty(), "kind", ClusterSpec.defaults(), T0, Duration.ofDays(1));
        assertThatThrownBy(() -> c.moveTo(Phase.READY, T0, "skip")).isInstanceOf(EphemeraException.class)
                .satisfies(e -> assertThat(((EphemeraException) e).code()).isEqualTo(ErrorCode.CONFLICT))
                .hasMessageContaining("Requested").hasMessageContaining("Ready");
    }

    @Test
    void policiesDecideWhenAClusterIsReaped() {
        Policies p = Policies.defaults();
        Cluster c = Cluster.requested(ClusterId.of("a"), Optional.empty(), "kind", ClusterSpec.defaults(), T0, p.maxLifetime());
        assertThat(p.stuckReason(c, T0.plus(Duration.ofMinutes(14)))).isEmpty();
        assertThat(p.stuckReason(c, T0.plus(Duration.ofMinutes(15)))).get().asString().contains("15m");
        Cluster ready = c.moveTo(Phase.PROVISIONING, T0, "").moveTo(Phase.BOOTSTRAPPING, T0, "").moveTo(Phase.READY, T0, "");
        assertThat(p.reapReason(ready, T0.plus(Duration.ofDays(2)))).isEmpty();
        assertThat(p.reapReason(ready, T0.plus(Duration.ofDays(3)))).get().asString().contains("lifetime");
        Cluster released = ready.release(T0, p.grace(), "closed");
        assertThat(p.reapReason(released, T0.plus(Duration.ofMinutes(59)))).isEmpty();
        assertThat(p.reapReason(released, T0.plus(Duration.ofHours(1)))).get().asString().contains("grace");
        Cluster failed = ready.moveTo(Phase.FAILED, T0, "boom");
        assertThat(p.reapReason(failed, T0)).get().asString().contains("boom");
        assertThat(p.reapReason(failed.withKeepOnFailure(true), T0)).isEmpty();
        assertThat(p.reapReason(failed.withKeepOnFailure(true), T0.plus(Duration.ofDays(2)))).isEmpty();
        // Kept for debugging, but never past the lifetime: a kept cluster still costs money.
        assertThat(p.reapReason(failed.withKeepOnFailure(true), T0.plus(Duration.ofDays(3)))).get().asString().contains("lifetime");
    }

    @Test
    void idsOwnersAndDurationsAreValidated() {
        assertThatThrownBy(() -> ClusterId.of("PR-42")).hasMessageContaining("lowercase");
        assertThatThrownBy(() -> ClusterId.of("a".repeat(41))).hasMessageContaining("40");
        assertThat(Owner.parse("acme/shop#42").pullRequest()).contains(42);
        assertThatThrownBy(() -> Owner.parse("acme")).hasMessageContaining("OWNER/REPO");
        assertThat(DurationText.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(DurationText.format(Duration.ofDays(3))).isEqualTo("3d");
        assertThatThrownBy(() -> DurationText.parse("3 days")).hasMessageContaining("3d");
        assertThat(SinkTarget.parse("github:acme/shop@pr-42:E2E_KUBECONFIG").environment()).contains("pr-42");
    }
}
