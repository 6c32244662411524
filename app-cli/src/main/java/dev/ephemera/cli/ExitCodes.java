package dev.ephemera.cli;

import dev.ephemera.domain.error.ErrorCode;

/**
 * The CLI's exit codes: the one place an {@link ErrorCode} becomes a number. {@code --help} lists
 * them ({@link EphemeraCommand}'s {@code exitCodeList}, which must be kept in step).
 */
public final class ExitCodes {
    public static final int OK = 0;
    /** A check failed (a verification's test failed) or an unexpected error. */
    public static final int FAILED = 1;
    public static final int INVALID_INPUT = 2;
    public static final int NOT_FOUND = 3;
    public static final int CONFLICT = 4;
    public static final int POOL_EXHAUSTED = 5;
    public static final int TIMEOUT = 6;
    public static final int UNAVAILABLE = 7;
    public static final int BACKEND = 8;
    public static final int AUTH = 9;
    public static final int CONFIGURATION = 10;
    public static final int LIMIT_EXCEEDED = 11;

    private ExitCodes() {
    }

    public static int of(ErrorCode code) {
        return switch (code) {
            case INVALID -> INVALID_INPUT;
            case NOT_FOUND -> NOT_FOUND;
            case CONFLICT -> CONFLICT;
            case POOL_EXHAUSTED -> POOL_EXHAUSTED;
            case TIMEOUT -> TIMEOUT;
            case UNAVAILABLE, RATE_LIMITED -> UNAVAILABLE;
            case BACKEND -> BACKEND;
            case UNAUTHENTICATED, PERMISSION_DENIED -> AUTH;
            case CONFIGURATION -> CONFIGURATION;
            case LIMIT_EXCEEDED -> LIMIT_EXCEEDED;
            case INTERNAL -> FAILED;
        };
    }
}
