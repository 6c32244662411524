package dev.ephemera.adapters.hetzner;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Bounded exponential backoff with "equal jitter": attempt {@code n} waits between half and all of
 * {@code min(max, base * 2^n)}, so concurrent clients spread out but never retry at once.
 * Written here rather than taken from resilience4j because the waits must honour Hetzner's
 * {@code RateLimit-Reset} and go through an injectable {@link Sleeper}.
 */
public record Backoff(Duration base, Duration max, int maxAttempts) {
    public Backoff {
        if (base.isNegative() || max.compareTo(base) < 0 || maxAttempts < 1) {
            throw new IllegalArgumentException("backoff needs 0 <= base <= max and at least one attempt");
        }
    }

    /** The wait before retry number {@code attempt} (0 for the first retry). */
    public Duration delay(int attempt) {
        long cap = max.toMillis();
        long exp = base.toMillis() << Math.min(attempt, 20);
        long ceiling = Math.min(cap, exp < 0 ? cap : exp);
        long half = ceiling / 2;
        long jitter = half == 0 ? 0 : ThreadLocalRandom.current().nextLong(half + 1);
        return Duration.ofMillis(ceiling - half + jitter);
    }
}
