package dev.ephemera.domain.pki;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.lease.Ipv4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What to issue for one cluster.
 *
 * @param clusterName   the cluster the bundle is for (used in subject names)
 * @param dnsNames      DNS subject alternative names of the API server certificate
 * @param ipAddresses   IP subject alternative names of the API server certificate
 * @param keyType       algorithm of every key
 * @param caValidity    validity of the CAs (default 10 years)
 * @param leafValidity  validity of leaf certificates (default 1 year)
 */
public record PkiRequest(String clusterName, List<String> dnsNames, List<String> ipAddresses, KeyType keyType,
                         Duration caValidity, Duration leafValidity) {

    public static final Duration DEFAULT_CA_VALIDITY = Duration.ofDays(3650);
    public static final Duration DEFAULT_LEAF_VALIDITY = Duration.ofDays(365);
    private static final Pattern DNS = Pattern.compile(
            "(?=.{1,253}$)(\\*\\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*");

    public PkiRequest {
        if (clusterName == null || clusterName.isBlank()) {
            throw EphemeraException.invalid("a cluster name is required for the PKI bundle");
        }
        dnsNames = List.copyOf(dnsNames == null ? List.of() : dnsNames);
        ipAddresses = List.copyOf(ipAddresses == null ? List.of() : ipAddresses);
        for (String d : dnsNames) {
            if (!DNS.matcher(d).matches()) {
                throw EphemeraException.invalid("'" + d + "' is not a valid DNS name for a certificate");
            }
        }
        for (String ip : ipAddresses) {
            if (!isIpAddress(ip)) {
                throw EphemeraException.invalid("'" + ip + "' is not an IP address");
            }
        }
        if (keyType == null) {
            keyType = KeyType.ECDSA_P256;
        }
        caValidity = caValidity == null ? DEFAULT_CA_VALIDITY : caValidity;
        leafValidity = leafValidity == null ? DEFAULT_LEAF_VALIDITY : leafValidity;
        if (caValidity.isNegative() || caValidity.isZero() || leafValidity.isNegative() || leafValidity.isZero()) {
            throw EphemeraException.invalid("certificate validity must be positive");
        }
    }

    /**
     * Sorts SANs given as one list into DNS names and IPs; a value that is neither is refused
     * with a message naming it.
     */
    public static PkiRequest ofSans(String clusterName, List<String> sans, KeyType keyType) {
        List<String> dns = new ArrayList<>();
        List<String> ips = new ArrayList<>();
        for (String s : sans) {
            if (isIpAddress(s)) {
                ips.add(s);
            } else if (DNS.matcher(s).matches()) {
                dns.add(s);
            } else {
                throw EphemeraException.invalid("SAN '" + s + "' is neither a DNS name nor an IP address");
            }
        }
        return new PkiRequest(clusterName, dns, ips, keyType, null, null);
    }

    /** IPv4 dotted quads, or IPv6 in hex-and-colon form. */
    public static boolean isIpAddress(String s) {
        if (s == null) {
            return false;
        }
        if (Ipv4Address.isValid(s)) {
            return true;
        }
        return s.contains(":") && s.matches("[0-9A-Fa-f:.]{2,45}") && s.chars().filter(c -> c == ':').count() >= 2;
    }
}
