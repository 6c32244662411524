package dev.ephemera.adapters.hetzner;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;

/**
 * A Hetzner Cloud API error answer, kept with Hetzner's own {@code error.code} and HTTP status so
 * callers can branch on the code ({@code uniqueness_error} means "look it up", not "fail").
 */
public final class HetznerApiException extends EphemeraException {
    private static final long serialVersionUID = 1L;

    private final String apiCode;
    private final int httpStatus;

    public HetznerApiException(ErrorCode code, String apiCode, int httpStatus, String message) {
        super(code, message);
        this.apiCode = apiCode;
        this.httpStatus = httpStatus;
    }

    /** Hetzner's machine-readable code, e.g. {@code uniqueness_error}. */
    public String apiCode() {
        return apiCode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public boolean is(String code) {
        return apiCode.equals(code);
    }
}
