package dev.ephemera.ports.secret;

import dev.ephemera.domain.error.EphemeraException;
import java.util.Optional;

/**
 * Where a sink puts one secret.
 *
 * @param scope where in the sink: {@code OWNER/REPO} for GitHub (with {@code environment} for an
 *              environment secret), a path for Vault, a directory relative to the sink's root for files
 * @param environment a GitHub environment such as {@code pr-42}; ignored by other sinks
 * @param name  the secret's name, e.g. {@code E2E_KUBECONFIG}
 */
public record SecretAddress(String scope, Optional<String> environment, String name) {
    public SecretAddress {
        if (name == null || name.isBlank()) {
            throw EphemeraException.invalid("a secret needs a name");
        }
        scope = scope == null ? "" : scope;
        environment = environment == null ? Optional.empty() : environment;
    }

    public static SecretAddress of(String scope, String name) {
        return new SecretAddress(scope, Optional.empty(), name);
    }

    @Override
    public String toString() {
        return (scope.isEmpty() ? "" : scope + environment.map(e -> "@" + e).orElse("") + ":") + name;
    }
}
