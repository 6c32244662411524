package dev.ephemera.adapters.vault;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;

/**
 * A write whose answer never came (connection lost, timeout, 500/502/504): Vault may or may not
 * have applied it. Whoever wrote must read back before deciding, never blindly resend.
 */
final class VaultOutcomeUnknownException extends EphemeraException {
    private static final long serialVersionUID = 1L;

    VaultOutcomeUnknownException(String message, Throwable cause) {
        super(ErrorCode.UNAVAILABLE, message, cause);
    }
}
