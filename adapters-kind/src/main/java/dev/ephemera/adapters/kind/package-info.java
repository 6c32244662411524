/**
 * Adapter: local clusters on a Docker engine, through docker-java. The {@code docker} backend
 * ({@link dev.ephemera.adapters.kind.DockerClusterBackend}, the embedded default) runs one K3s server
 * per cluster in a container that gets our PKI before its first start. The {@code kind} backend
 * ({@link dev.ephemera.adapters.kind.KindClusterBackend}) runs the user's kind CLI with a generated
 * config that bind-mounts our CAs where kubeadm looks for them. Both load local images into their
 * nodes ({@link dev.ephemera.ports.backend.ImageLoading}).
 */
package dev.ephemera.adapters.kind;
