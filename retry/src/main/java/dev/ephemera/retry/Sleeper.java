package dev.ephemera.retry;

import java.time.Duration;

/**
 * How a retry or a poll waits. The one seam of the code base for waits: tests pass one that
 * records each wait and returns at once, so no test spends real time on a backoff.
 */
@FunctionalInterface
public interface Sleeper {
    /** Really waits; zero and negative durations return at once. */
    Sleeper SYSTEM = d -> {
        if (!d.isNegative() && !d.isZero()) {
            Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000L));
        }
    };

    void sleep(Duration duration) throws InterruptedException;
}
