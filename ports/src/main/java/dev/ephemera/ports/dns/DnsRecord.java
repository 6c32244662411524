package dev.ephemera.ports.dns;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.lease.Ipv4Address;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * One cluster's DNS name and the IPv4 address it points at (an A record).
 *
 * @param cluster the cluster the record is for; a cluster has at most one
 * @param name    fully qualified name without the trailing dot, e.g. {@code pr-42-cks-backend.ephemeral.example.com}
 * @param address the cluster's endpoint IPv4 address
 * @param ttl     time to live, whole seconds, at least one
 */
public record DnsRecord(ClusterId cluster, String name, String address, Duration ttl) {
    private static final Pattern NAME = Pattern.compile(
            "(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+");

    public DnsRecord {
        if (cluster == null) {
            throw EphemeraException.invalid("a DNS record needs its cluster");
        }
        if (name == null || !NAME.matcher(name).matches()) {
            throw EphemeraException.invalid("'" + name + "' is not a fully qualified DNS name (lower case labels, dots, no trailing dot)");
        }
        if (!Ipv4Address.isValid(address)) {
            throw EphemeraException.invalid("a DNS A record needs an IPv4 address, got '" + address + "'");
        }
        if (ttl == null || ttl.getSeconds() < 1 || ttl.getNano() != 0) {
            throw EphemeraException.invalid("DNS TTL must be whole seconds, at least 1, got " + ttl);
        }
    }
}
