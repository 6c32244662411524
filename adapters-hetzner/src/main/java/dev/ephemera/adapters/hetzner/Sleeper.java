package dev.ephemera.adapters.hetzner;

import java.time.Duration;

/** How the client waits between attempts; tests pass one that records the wait and returns at once. */
@FunctionalInterface
public interface Sleeper {
    Sleeper SYSTEM = d -> {
        if (!d.isNegative() && !d.isZero()) {
            Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000L));
        }
    };

    void sleep(Duration duration) throws InterruptedException;
}
