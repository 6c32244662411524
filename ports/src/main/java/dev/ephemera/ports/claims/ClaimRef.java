package dev.ephemera.ports.claims;

import java.util.Objects;

/** Where a claim object lives: its namespace and name. */
public record ClaimRef(String namespace, String name) {
    public ClaimRef {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        if (namespace.isBlank() || name.isBlank()) {
            throw new IllegalArgumentException("a claim object needs a namespace and a name");
        }
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
