package dev.ephemera.domain.canary;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class HoldPolicyTest {
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private final HoldPolicy policy = new HoldPolicy(Duration.ofMinutes(15), Duration.ofSeconds(15), Duration.ofSeconds(5));

    @Test
    @DisplayName("a new Job with a deadline is held for the deadline plus the margin")
    void deadlinePlusMargin() {
        assertThat(policy.holdFor(Optional.of(600L), Optional.empty(), Optional.empty(), NOW)).isEqualTo(Duration.ofSeconds(615));
    }

    @Test
    @DisplayName("a running Job is held only for what is left of its deadline, plus the margin")
    void whatIsLeft() {
        Instant started = NOW.minusSeconds(500);
        assertThat(policy.holdFor(Optional.of(600L), Optional.of(started), Optional.empty(), NOW)).isEqualTo(Duration.ofSeconds(115));
        assertThat(policy.holdFor(Optional.of(600L), Optional.of(NOW.minusSeconds(3600)), Optional.empty(), NOW)).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    @DisplayName("the server cap and the canary's own hold both shorten the hold; neither lengthens it")
    void capAndRequest() {
        assertThat(policy.holdFor(Optional.of(3600L), Optional.empty(), Optional.empty(), NOW)).isEqualTo(Duration.ofMinutes(15));
        assertThat(policy.holdFor(Optional.empty(), Optional.empty(), Optional.empty(), NOW)).isEqualTo(Duration.ofMinutes(15));
        assertThat(policy.holdFor(Optional.of(600L), Optional.empty(), Optional.of(Duration.ofMinutes(2)), NOW)).isEqualTo(Duration.ofMinutes(2));
        assertThat(policy.holdFor(Optional.empty(), Optional.empty(), Optional.of(Duration.ofHours(2)), NOW)).isEqualTo(Duration.ofMinutes(15));
    }
}
