package dev.ephemera.domain.canary;

import dev.ephemera.domain.error.EphemeraException;
import java.util.Objects;
import java.util.Optional;

/** A whole Secret or ConfigMap exposed as environment variables ({@code envFrom}). */
public record EnvFromSource(Kind kind, String name, Optional<String> prefix, boolean optional) {
    /** What the source refers to. */
    public enum Kind {
        SECRET,
        CONFIG_MAP
    }

    public EnvFromSource {
        Objects.requireNonNull(kind, "kind");
        if (name == null || name.isBlank()) {
            throw EphemeraException.invalid("envFrom " + (kind == Kind.SECRET ? "secretRef" : "configMapRef") + ".name is required");
        }
        prefix = Objects.requireNonNullElse(prefix, Optional.empty());
    }

    public static EnvFromSource secret(String name) {
        return new EnvFromSource(Kind.SECRET, name, Optional.empty(), false);
    }

    public static EnvFromSource configMap(String name) {
        return new EnvFromSource(Kind.CONFIG_MAP, name, Optional.empty(), false);
    }
}
