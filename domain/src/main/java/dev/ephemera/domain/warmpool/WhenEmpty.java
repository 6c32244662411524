package dev.ephemera.domain.warmpool;

import dev.ephemera.domain.error.EphemeraException;
import java.util.Locale;

/** What a claim does when its warm pool has no Ready member. */
public enum WhenEmpty {
    /** Make an ordinary claim on the pool's backend with the pool's spec (it takes as long as a cold claim). */
    FALLBACK,
    /** Wait, up to the pool's {@code wait-timeout}, for a member the pool is provisioning. */
    WAIT;

    public static WhenEmpty parse(String text) {
        if (text == null) {
            throw EphemeraException.invalid("when-empty is required: fallback or wait");
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "fallback" -> FALLBACK;
            case "wait" -> WAIT;
            default -> throw EphemeraException.invalid("when-empty must be fallback or wait, got '" + text + "'");
        };
    }

    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
