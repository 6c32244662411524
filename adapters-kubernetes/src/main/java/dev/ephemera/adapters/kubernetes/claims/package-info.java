/** Claim objects ({@code EphemeralCluster}, {@code ephemera.dev/v1alpha1}) watched with fabric8 informers. */
package dev.ephemera.adapters.kubernetes.claims;
