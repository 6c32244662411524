package dev.ephemera.ports.diagnostics;

import java.util.Objects;
import java.util.Optional;

/** One pod condition, e.g. {@code PodScheduled False Unschedulable}. */
public record PodCondition(String type, String status, Optional<String> reason, Optional<String> message) {
    public PodCondition {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
    }
}
