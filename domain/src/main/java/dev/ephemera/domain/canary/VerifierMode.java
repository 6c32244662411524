package dev.ephemera.domain.canary;

import dev.ephemera.domain.error.EphemeraException;
import java.util.Locale;

/**
 * How a verdict becomes an HTTP status for Flagger. Flagger counts every status up to 202 as a
 * pass, so only {@link #GATE} is safe: it never answers 2xx before the Job has succeeded.
 */
public enum VerifierMode {
    /** Seed 001's table: 200 passed, 202 running, 404 no spec, 500 failed. */
    SEED,
    /** The default: hold while running; a hold that runs out answers 503, a failed check for Flagger. */
    GATE;

    public static VerifierMode parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw EphemeraException.invalid("verifier mode '" + text + "' is invalid: use gate or seed");
        }
    }

    /** The status for a final answer. In {@code GATE}, RUNNING means the hold ran out. */
    public int status(Verdict v) {
        return switch (v) {
            case PASSED -> 200;
            case NO_SPEC -> 404;
            case FAILED -> 500;
            case RUNNING -> this == SEED ? 202 : 503;
        };
    }
}
