package dev.ephemera.ports.backend;

import dev.ephemera.ports.spi.AdapterFactory;

/** Makes a {@link ClusterBackend}; named by {@code --backend} and {@code backends:} in the configuration. */
public interface ClusterBackendFactory extends AdapterFactory<ClusterBackend> {
}
