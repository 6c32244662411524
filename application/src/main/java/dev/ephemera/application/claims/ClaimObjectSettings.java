package dev.ephemera.application.claims;

import java.time.Duration;
import java.util.Objects;

/**
 * How the claim object controller works.
 *
 * @param defaultBackend the backend of an object whose spec names none (the top-level {@code backend:})
 * @param resync         how often every cached object is looked at again, besides its own events and its
 *                       cluster's phase changes (a backstop for a missed event; it renews nothing)
 */
public record ClaimObjectSettings(String defaultBackend, Duration resync) {
    public static final Duration DEFAULT_RESYNC = Duration.ofSeconds(30);

    public ClaimObjectSettings {
        Objects.requireNonNull(defaultBackend, "defaultBackend");
        if (resync == null || resync.isNegative() || resync.isZero()) {
            throw new IllegalArgumentException("the claim objects' resync interval must be positive");
        }
    }
}
