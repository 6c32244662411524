package dev.ephemera.adapters.github;

import java.time.Duration;

/** Waits between retries; a seam so tests can see the waits without spending them. */
@FunctionalInterface
interface Sleeper {
    Sleeper REAL = d -> Thread.sleep(d.toMillis());

    void sleep(Duration duration) throws InterruptedException;
}
