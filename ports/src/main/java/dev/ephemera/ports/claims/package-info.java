/** Port: claims made as objects in a Kubernetes API (the {@code EphemeralCluster} custom resource), watched and answered with status. */
package dev.ephemera.ports.claims;
