package dev.ephemera.testkit;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Polling with a deadline, for tests that wait on background work: checks at once, then after
 * pauses growing from 1 ms to 50 ms, and fails with what it was waiting for (and the last state
 * seen) when the deadline passes. Never a fixed sleep.
 */
public final class Eventually {
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

    private Eventually() {
    }

    public static void eventually(String what, BooleanSupplier condition) {
        eventually(what, DEFAULT_DEADLINE, condition, () -> "");
    }

    /** As above; {@code state} describes what was seen last, for the failure message. */
    public static void eventually(String what, BooleanSupplier condition, Supplier<?> state) {
        eventually(what, DEFAULT_DEADLINE, condition, state);
    }

    public static void eventually(String what, Duration deadline, BooleanSupplier condition, Supplier<?> state) {
        long end = System.nanoTime() + deadline.toNanos();
        long pauseMicros = 1_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + deadline + ": " + what + "; last seen: " + state.get());
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(pauseMicros));
            pauseMicros = Math.min(pauseMicros * 2, 50_000);
        }
    }
}
