/**
 * Claims made as objects in a Kubernetes API ({@code EphemeralCluster}): the controller that turns
 * them into {@link dev.ephemera.application.Clusters} calls and the clusters' phases into status.
 */
package dev.ephemera.application.claims;
