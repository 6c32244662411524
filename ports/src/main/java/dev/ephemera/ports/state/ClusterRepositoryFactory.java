package dev.ephemera.ports.state;

import dev.ephemera.ports.spi.AdapterFactory;

/** Makes a {@link ClusterRepository}; chosen by {@code state:} in the configuration. */
public interface ClusterRepositoryFactory extends AdapterFactory<ClusterRepository> {
}
