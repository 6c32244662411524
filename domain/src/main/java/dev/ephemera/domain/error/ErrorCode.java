package dev.ephemera.domain.error;

/**
 * What kind of failure an {@link EphemeraException} is. The server maps a code to an HTTP status
 * and the CLI to an exit code, each in exactly one place.
 */
public enum ErrorCode {
    /** The input was malformed or broke a rule; nothing was changed. */
    INVALID,
    /** The thing asked for does not exist. */
    NOT_FOUND,
    /** Someone else changed the thing first, or it already exists. */
    CONFLICT,
    /** An IP pool has no free address left. */
    POOL_EXHAUSTED,
    /** A limit (concurrent clusters, quota) does not allow more. */
    LIMIT_EXCEEDED,
    /** Credentials are missing, wrong, or expired. */
    UNAUTHENTICATED,
    /** Credentials are valid but lack a permission. */
    PERMISSION_DENIED,
    /** A remote API asked us to slow down and the bounded retries ran out. */
    RATE_LIMITED,
    /** A dependency could not be reached or is not ready; retrying later may help. */
    UNAVAILABLE,
    /** A wait ran out of time. */
    TIMEOUT,
    /** A backend or vendor API failed in a way retrying will not fix. */
    BACKEND,
    /** The configuration is invalid. */
    CONFIGURATION,
    /** A bug: something that should not happen did. */
    INTERNAL
}
