/** Clusters, their phases and the lifetime policies. */
package dev.ephemera.domain.cluster;
