package dev.ephemera.ports.lease;

import dev.ephemera.ports.spi.AdapterFactory;

/** Makes a {@link LeaseStore}; chosen by {@code store:} (or {@code leases.store:}) in the configuration. */
public interface LeaseStoreFactory extends AdapterFactory<LeaseStore> {
}
