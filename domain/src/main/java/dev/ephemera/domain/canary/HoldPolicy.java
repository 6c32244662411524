package dev.ephemera.domain.canary;

import dev.ephemera.domain.error.EphemeraException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How long {@code gate} mode holds a webhook while the test Job runs: until the Job's
 * {@code activeDeadlineSeconds} (counted from its start) plus a margin, never longer than the
 * server's cap, and never longer than a canary's own {@code hold} metadata. When it runs out,
 * the answer carries {@code Retry-After: retryAfter}.
 *
 * @param cap        the longest any request is held (server setting, default 15 min)
 * @param margin     added to the Job's deadline, so the Job controller's own verdict wins the race
 * @param retryAfter what a 503 tells Flagger to wait before calling again
 */
public record HoldPolicy(Duration cap, Duration margin, Duration retryAfter) {
    public static final HoldPolicy DEFAULT = new HoldPolicy(Duration.ofMinutes(15), Duration.ofSeconds(15), Duration.ofSeconds(5));

    public HoldPolicy {
        Objects.requireNonNull(cap, "cap");
        Objects.requireNonNull(margin, "margin");
        Objects.requireNonNull(retryAfter, "retryAfter");
        if (cap.isNegative() || cap.isZero()) {
            throw EphemeraException.invalid("the hold cap must be positive, got " + cap);
        }
        if (margin.isNegative()) {
            throw EphemeraException.invalid("the hold margin must not be negative, got " + margin);
        }
        if (retryAfter.isNegative() || retryAfter.toSeconds() < 1) {
            throw EphemeraException.invalid("Retry-After must be at least 1 second, got " + retryAfter);
        }
    }

    public HoldPolicy withCap(Duration newCap) {
        return new HoldPolicy(newCap, margin, retryAfter);
    }

    /**
     * The hold for one request.
     *
     * @param activeDeadlineSeconds the Job's deadline, if it has one
     * @param startedAt             when the Job started, if it has (a new Job has not)
     * @param requested             the canary's {@code hold} metadata, if any
     * @param now                   the current time
     */
    public Duration holdFor(Optional<Long> activeDeadlineSeconds, Optional<Instant> startedAt, Optional<Duration> requested, Instant now) {
        Duration hold = cap;
        if (requested.isPresent() && requested.get().compareTo(hold) < 0) {
            hold = requested.get();
        }
        if (activeDeadlineSeconds.isPresent()) {
            Duration deadline = Duration.ofSeconds(activeDeadlineSeconds.get());
            Duration left = startedAt.map(s -> Duration.between(now, s.plus(deadline))).orElse(deadline);
            // A deadline already past means the Job controller is about to fail it: wait for that, for the margin.
            Duration untilDeadline = (left.isNegative() ? Duration.ZERO : left).plus(margin);
            if (untilDeadline.compareTo(hold) < 0) {
                hold = untilDeadline;
            }
        }
        return hold.isZero() ? Duration.ofMillis(1) : hold;
    }
}
