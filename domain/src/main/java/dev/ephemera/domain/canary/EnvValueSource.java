package dev.ephemera.domain.canary;

import dev.ephemera.domain.error.EphemeraException;
import java.util.Objects;
import java.util.Optional;

/** Where an environment variable's value comes from ({@code valueFrom} in a container spec). */
public sealed interface EnvValueSource {

    /** A key of a Secret in the Job's namespace. */
    record SecretKeyRef(String name, String key, boolean optional) implements EnvValueSource {
        public SecretKeyRef {
            requireText(name, "secretKeyRef.name");
            requireText(key, "secretKeyRef.key");
        }
    }

    /** A key of a ConfigMap in the Job's namespace. */
    record ConfigMapKeyRef(String name, String key, boolean optional) implements EnvValueSource {
        public ConfigMapKeyRef {
            requireText(name, "configMapKeyRef.name");
            requireText(key, "configMapKeyRef.key");
        }
    }

    /** A field of the pod, e.g. {@code metadata.name} or {@code status.podIP}. */
    record FieldRef(String fieldPath, Optional<String> apiVersion) implements EnvValueSource {
        public FieldRef {
            requireText(fieldPath, "fieldRef.fieldPath");
            apiVersion = Objects.requireNonNullElse(apiVersion, Optional.empty());
        }
    }

    /** A resource request or limit of a container, e.g. {@code limits.memory}. */
    record ResourceFieldRef(String resource, Optional<String> containerName, Optional<String> divisor) implements EnvValueSource {
        public ResourceFieldRef {
            requireText(resource, "resourceFieldRef.resource");
            containerName = Objects.requireNonNullElse(containerName, Optional.empty());
            divisor = Objects.requireNonNullElse(divisor, Optional.empty());
        }
    }

    private static void requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw EphemeraException.invalid("env valueFrom." + field + " is required");
        }
    }
}
