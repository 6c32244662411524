package dev.ephemera.domain.canary;

import dev.ephemera.domain.error.EphemeraException;

/** A Secret mounted read-only into the test container at {@code mountPath} (the seed's {@code secrets} list). */
public record SecretMount(String name, String mountPath) {
    public SecretMount {
        if (name == null || name.isBlank()) {
            throw EphemeraException.invalid("secrets[].name is required: the name of a Secret in the canary's namespace");
        }
        if (mountPath == null || !mountPath.startsWith("/")) {
            throw EphemeraException.invalid("secrets[].mountPath of secret " + name + " must be an absolute path, got '" + mountPath + "'");
        }
    }
}
