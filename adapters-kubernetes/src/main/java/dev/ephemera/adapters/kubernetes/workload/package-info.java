/**
 * The {@code WorkloadClusters} port on fabric8 and the JDK: probes a new API server's
 * {@code /readyz} with the admin client certificate, and makes CI's account on it (namespace,
 * ServiceAccount, ClusterRoleBinding, token Secret filled by the token controller).
 */
package dev.ephemera.adapters.kubernetes.workload;
