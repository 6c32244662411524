/**
 * Adapter: local clusters on a Docker engine, through docker-java. The {@code docker} backend
 * ({@link dev.ephemera.adapters.kind.DockerClusterBackend}, the embedded default) runs one K3s server
 * per cluster in a container that gets our PKI before its first start, and loads local images into
 * its node ({@link dev.ephemera.ports.backend.ImageLoading}). The {@code kind} backend (the user's
 * kind CLI) is not built yet.
 */
package dev.ephemera.adapters.kind;
