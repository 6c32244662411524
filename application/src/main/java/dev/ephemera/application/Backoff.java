package dev.ephemera.application;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Bounded exponential backoff with full jitter, for compare-and-set retries and provisioning
 * waits. Each call to {@link #nextDelay()} doubles the ceiling up to {@code max}.
 */
public final class Backoff {
    private final long initialNanos;
    private final long maxNanos;
    private long ceiling;

    public Backoff(Duration initial, Duration max) {
        this.initialNanos = Math.max(1, initial.toNanos());
        this.maxNanos = Math.max(initialNanos, max.toNanos());
        this.ceiling = initialNanos;
    }

    /** A random delay in [ceiling/2, ceiling], then the ceiling doubles. */
    public Duration nextDelay() {
        long c = ceiling;
        ceiling = Math.min(maxNanos, ceiling * 2);
        long half = c / 2;
        return Duration.ofNanos(half + ThreadLocalRandom.current().nextLong(c - half + 1));
    }

    /** Sleeps for the next delay; an interrupt is restored and reported as false. */
    public boolean pause() {
        try {
            Duration d = nextDelay();
            Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
