package dev.ephemera.ports.claims;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What Ephemera writes to a claim object's {@code status}.
 *
 * @param phase              Provisioning, Ready, Deprovisioning, Deprovisioned or Failed
 * @param clusterId          the Ephemera cluster the object claimed
 * @param conditions         ClusterReady, KubeconfigPublished
 * @param secretName         the Secret in the object's namespace holding key {@code kubeconfig}, once written
 * @param endpoint           the cluster's API URL
 * @param expiresAt          when the cluster's lifetime ends
 * @param observedGeneration the spec generation this status answers
 */
public record ClaimStatus(String phase, Optional<String> clusterId, List<ClaimCondition> conditions, Optional<String> secretName,
                          Optional<String> endpoint, Optional<Instant> expiresAt, long observedGeneration) {
    public ClaimStatus {
        Objects.requireNonNull(phase, "phase");
        clusterId = clusterId == null ? Optional.empty() : clusterId;
        conditions = List.copyOf(conditions);
        secretName = secretName == null ? Optional.empty() : secretName;
        endpoint = endpoint == null ? Optional.empty() : endpoint;
        expiresAt = expiresAt == null ? Optional.empty() : expiresAt;
    }
}
