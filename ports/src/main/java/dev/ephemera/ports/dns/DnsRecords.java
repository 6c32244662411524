package dev.ephemera.ports.dns;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.ports.spi.Adapter;
import java.util.Map;
import java.util.Optional;

/**
 * Publishes and removes clusters' DNS names (name → endpoint IP). Every call is idempotent by
 * cluster id: publishing again replaces the record, removing what is gone is not an error.
 */
public interface DnsRecords extends Adapter {
    /** The name {@code id} gets under this adapter's zone and naming pattern (for pull requests, e.g. {@code pr-42-shop.<zone>}). */
    String nameFor(ClusterId id, Optional<Owner> owner);

    /** Creates or replaces the cluster's record; {@code labels} go on whatever carries it. */
    void publish(DnsRecord record, Map<String, String> labels);

    /** Removes the cluster's record, if there is one. */
    void remove(ClusterId id);

    /** The cluster's record as published, if any. */
    Optional<DnsRecord> find(ClusterId id);
}
