package dev.ephemera.ports.dns;

import dev.ephemera.ports.spi.AdapterFactory;

/** Makes a {@link DnsRecords}; named by {@code dns:} in the configuration. */
public interface DnsRecordsFactory extends AdapterFactory<DnsRecords> {
}
