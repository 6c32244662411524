/**
 * The {@code DnsRecords} port on fabric8: one external-dns {@code DNSEndpoint} per cluster on a
 * cluster external-dns watches, and lookups through a configured resolver (dnsjava). See docs/dns.md.
 */
package dev.ephemera.adapters.kubernetes.dns;
