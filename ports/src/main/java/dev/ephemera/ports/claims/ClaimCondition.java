package dev.ephemera.ports.claims;

import java.util.Objects;
import java.util.Set;

/**
 * One entry of {@code status.conditions}, with the fields of Kubernetes' {@code metav1.Condition}
 * but the transition time: the adapter keeps the previous {@code lastTransitionTime} while the
 * status stays the same and stamps a new one when it changes.
 *
 * @param type    e.g. {@code ClusterReady}, {@code KubeconfigPublished}
 * @param status  {@code True}, {@code False} or {@code Unknown}
 * @param reason  CamelCase, e.g. {@code InvalidSpec}
 * @param message for people; never a secret
 */
public record ClaimCondition(String type, String status, String reason, String message) {
    private static final Set<String> STATUSES = Set.of("True", "False", "Unknown");

    public ClaimCondition {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(reason, "reason");
        message = message == null ? "" : message;
        if (!STATUSES.contains(status)) {
            throw new IllegalArgumentException("condition status must be True, False or Unknown, got " + status);
        }
        if (!reason.matches("[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?")) {
            throw new IllegalArgumentException("condition reason must be CamelCase, got " + reason);
        }
    }

    public static ClaimCondition of(String type, boolean status, String reason, String message) {
        return new ClaimCondition(type, status ? "True" : "False", reason, message);
    }
}
