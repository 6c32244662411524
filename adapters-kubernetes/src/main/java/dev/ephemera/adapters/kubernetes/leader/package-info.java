/** Leader election with a {@code coordination.k8s.io/v1} Lease through fabric8's {@code LeaderElector}. */
package dev.ephemera.adapters.kubernetes.leader;
