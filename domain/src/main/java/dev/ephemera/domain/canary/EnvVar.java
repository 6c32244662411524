package dev.ephemera.domain.canary;

import dev.ephemera.domain.error.EphemeraException;
import java.util.Objects;
import java.util.Optional;

/**
 * One environment variable of the test container, as an {@code E2ESpec} lists it: a literal
 * {@code value} or a {@code valueFrom} reference (never both, as Kubernetes requires).
 */
public record EnvVar(String name, Optional<String> value, Optional<EnvValueSource> valueFrom) {
    public EnvVar {
        if (name == null || name.isBlank()) {
            throw EphemeraException.invalid("an env entry has no name: give every variable a name");
        }
        value = Objects.requireNonNullElse(value, Optional.empty());
        valueFrom = Objects.requireNonNullElse(valueFrom, Optional.empty());
        if (value.isPresent() && valueFrom.isPresent()) {
            throw EphemeraException.invalid("env " + name + " has both value and valueFrom: keep one");
        }
    }

    public static EnvVar literal(String name, String value) {
        return new EnvVar(name, Optional.of(value == null ? "" : value), Optional.empty());
    }

    public static EnvVar from(String name, EnvValueSource source) {
        return new EnvVar(name, Optional.empty(), Optional.of(source));
    }
}
