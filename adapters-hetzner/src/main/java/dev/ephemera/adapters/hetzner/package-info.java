/**
 * Adapter: clusters as Hetzner Cloud servers running K3s. A small Hetzner Cloud API client on the
 * JDK {@code HttpClient} ({@link dev.ephemera.adapters.hetzner.HetznerClient}), cloud-init user
 * data that installs a pinned K3s with our PKI ({@link dev.ephemera.adapters.hetzner.CloudInit}),
 * and the {@link dev.ephemera.ports.backend.ClusterBackend} that ties them together.
 */
package dev.ephemera.adapters.hetzner;
