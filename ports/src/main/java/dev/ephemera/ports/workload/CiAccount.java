package dev.ephemera.ports.workload;

/**
 * The CI identity made on every new cluster: a namespace, a ServiceAccount bound to a
 * ClusterRole, and a static token Secret (seed 000's mechanism).
 */
public record CiAccount(String namespace, String serviceAccount, String clusterRole, String tokenSecret) {
    public static CiAccount defaults() {
        return new CiAccount("ephemera-ci", "ephemera-ci", "cluster-admin", "ephemera-ci-token");
    }
}
