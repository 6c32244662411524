package dev.ephemera.adapters.vault;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;

/** Turns Vault's answers into Ephemera errors that say what was refused and what to do — in one place. */
final class VaultErrors {
    static final String CAS_MISMATCH = "check-and-set parameter did not match the current version";
    static final String CAS_REQUIRED = "check-and-set parameter required for this call";

    private VaultErrors() {
    }

    /**
     * The error for a response that was not what the caller expected.
     *
     * @param operation  what we tried, e.g. {@code "write the pool state"}
     * @param method     HTTP method sent
     * @param path       path under {@code /v1/}, which is also the ACL path Vault checks
     * @param capability the ACL capability the request needs ({@code read}, {@code create/update}, {@code list}, {@code delete})
     */
    static EphemeraException of(String operation, String method, String path, String capability, VaultResponse r, int attempts) {
        String detail = r.errorsText().isEmpty() ? "no error text" : r.errorsText();
        String where = method + " /v1/" + path;
        switch (r.status()) {
            case 400:
                if (r.mentions(CAS_REQUIRED)) {
                    return new EphemeraException(ErrorCode.BACKEND, "Vault requires check-and-set on " + path
                            + " but this write had none (" + where + "); this is a bug in Ephemera, please report it");
                }
                return new EphemeraException(ErrorCode.INVALID, "Vault refused to " + operation + " (" + where + "): " + detail);
            case 401:
            case 403:
                if (r.invalidToken()) {
                    return new EphemeraException(ErrorCode.UNAUTHENTICATED, "Vault refused the token while trying to " + operation
                            + " (" + where + "): it is invalid, expired or revoked (" + detail + "); give Ephemera a valid token or use auth: approle/kubernetes so it can log in again");
                }
                String[] caps = capability.split("/");
                StringBuilder hcl = new StringBuilder();
                for (int i = 0; i < caps.length; i++) {
                    hcl.append(i > 0 ? ", " : "").append('"').append(caps[i]).append('"');
                }
                return new EphemeraException(ErrorCode.PERMISSION_DENIED, "Vault denied permission to " + operation + ": the token's policies lack the '"
                        + capability + "' capability on '" + path + "' (" + where + " answered 403: " + detail + "); add to its policy: path \""
                        + path + "\" { capabilities = [" + hcl + "] }");
            case 404:
                return new EphemeraException(ErrorCode.NOT_FOUND, "Vault has nothing at " + path + " (" + where + " answered 404"
                        + (r.errorsText().isEmpty() ? "" : ": " + detail) + "); check vault.mount and vault.namespace");
            case 405:
                return new EphemeraException(ErrorCode.BACKEND, "Vault does not support " + where + " (" + detail + "); is " + path + " a KV version 2 mount?");
            case 412:
                return new EphemeraException(ErrorCode.UNAVAILABLE, "Vault is not yet consistent for " + where + " (412: " + detail + "); retry shortly");
            case 429:
                return new EphemeraException(ErrorCode.RATE_LIMITED, "Vault kept answering 429 (rate limited) to " + where + " after " + attempts(attempts)
                        + " (" + detail + "); raise the rate-limit quota or vault.max-retries");
            case 503:
                return new EphemeraException(ErrorCode.UNAVAILABLE, "Vault is sealed or has no active node: " + where + " answered 503 after " + attempts(attempts)
                        + " (" + detail + "); unseal Vault or check its cluster");
            default:
                if (r.status() >= 500) {
                    return new EphemeraException(ErrorCode.UNAVAILABLE, "Vault failed to " + operation + " (" + where + " answered " + r.status() + ": " + detail + ")");
                }
                return new EphemeraException(ErrorCode.BACKEND, "unexpected answer from Vault to " + where + ": " + r.status() + " " + detail);
        }
    }

    private static String attempts(int n) {
        return n + (n == 1 ? " attempt" : " attempts");
    }
}
