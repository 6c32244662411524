package dev.ephemera.application;

import dev.ephemera.domain.cluster.Cluster;
import java.util.Objects;

/**
 * What a claim did: the cluster as stored, and whether this claim created it ({@code false}: the
 * id was claimed already and the same cluster is returned — the REST API answers 200, not 201).
 */
public record ClaimOutcome(Cluster cluster, boolean created) {
    public ClaimOutcome {
        Objects.requireNonNull(cluster, "cluster");
    }
}
