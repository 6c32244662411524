package dev.ephemera.ports.diagnostics;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One Kubernetes event.
 *
 * @param type  {@code Normal} or {@code Warning}
 * @param count how often it happened
 * @param at    when it last happened (last timestamp, else event time, else first timestamp, else creation)
 */
public record KubeEvent(String namespace, String objectKind, String objectName, String type, String reason, String message, int count,
                        Optional<Instant> at) {
    public KubeEvent {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(objectKind, "objectKind");
        Objects.requireNonNull(objectName, "objectName");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(at, "at");
    }

    public boolean warning() {
        return "Warning".equals(type);
    }
}
