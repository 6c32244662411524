package dev.ephemera.ports.dns;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.ports.spi.Adapter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Publishes and removes clusters' DNS names (name → endpoint IP), and looks names up through the
 * configured resolver. Every call is idempotent by cluster id: publishing again replaces the
 * record, removing what is gone is not an error.
 */
public interface DnsRecords extends Adapter {
    /** The name {@code id} gets under this adapter's zone and naming pattern (for pull requests, e.g. {@code pr-42-shop.<zone>}). */
    String nameFor(ClusterId id, Optional<Owner> owner);

    /** The TTL of the records this adapter publishes. */
    Duration ttl();

    /** Creates or replaces the cluster's record; {@code labels} go on whatever carries it. */
    void publish(DnsRecord record, Map<String, String> labels);

    /** Removes the cluster's record, if there is one. */
    void remove(ClusterId id);

    /** The cluster's record as published, if any. */
    Optional<DnsRecord> find(ClusterId id);

    /**
     * The resolver {@link #resolve} asks ({@code host:port}, or {@code system}), if one is configured.
     * Without one, nobody waits for a published name to resolve.
     */
    Optional<String> resolver();

    /**
     * The IPv4 addresses {@code name} has now through the configured resolver; empty while it has
     * none (not published yet, not found, no A record).
     *
     * @throws dev.ephemera.domain.error.EphemeraException UNAVAILABLE when the resolver does not answer;
     *         CONFIGURATION when no resolver is configured
     */
    List<String> resolve(String name);
}
