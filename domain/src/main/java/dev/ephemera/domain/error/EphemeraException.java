package dev.ephemera.domain.error;

import java.util.Objects;

/**
 * The one exception type of Ephemera: a code saying what kind of failure it is, and a message
 * saying what was wrong and what to do about it.
 */
public class EphemeraException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public EphemeraException(ErrorCode code, String message) {
        this(code, message, null);
    }

    public EphemeraException(ErrorCode code, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ErrorCode code() {
        return code;
    }

    public static EphemeraException invalid(String message) {
        return new EphemeraException(ErrorCode.INVALID, message);
    }

    public static EphemeraException notFound(String message) {
        return new EphemeraException(ErrorCode.NOT_FOUND, message);
    }

    public static EphemeraException conflict(String message) {
        return new EphemeraException(ErrorCode.CONFLICT, message);
    }

    public static EphemeraException unavailable(String message, Throwable cause) {
        return new EphemeraException(ErrorCode.UNAVAILABLE, message, cause);
    }

    public static EphemeraException timeout(String message) {
        return new EphemeraException(ErrorCode.TIMEOUT, message);
    }

    public static EphemeraException backend(String message, Throwable cause) {
        return new EphemeraException(ErrorCode.BACKEND, message, cause);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + code + "]: " + getMessage();
    }
}
