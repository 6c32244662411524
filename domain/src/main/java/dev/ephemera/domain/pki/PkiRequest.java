package dev.ephemera.domain.pki;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.lease.Ipv4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What to issue for one cluster.
 *
 * <p>Key type and validities are optional: left empty, the certificate authority applies its own
 * configured defaults (out of the box ECDSA P-256, CAs 10 years, leaves 1 year). {@link #keyType()},
 * {@link #caValidity()} and {@link #leafValidity()} answer with those built-in defaults for
 * callers that do not know the authority's configuration.
 *
 * @param clusterName            the cluster the bundle is for (used in subject names)
 * @param dnsNames               DNS subject alternative names of the API server certificate
 * @param ipAddresses            IP subject alternative names of the API server certificate
 * @param requestedKeyType       algorithm of every key, if the caller chose one
 * @param requestedCaValidity    validity of the CAs, if the caller chose one
 * @param requestedLeafValidity  validity of leaf certificates, if the caller chose one
 */
public record PkiRequest(String clusterName, List<String> dnsNames, List<String> ipAddresses,
                         Optional<KeyType> requestedKeyType, Optional<Duration> requestedCaValidity,
                         Optional<Duration> requestedLeafValidity) {

    public static final KeyType DEFAULT_KEY_TYPE = KeyType.ECDSA_P256;
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
        requestedKeyType = requestedKeyType == null ? Optional.empty() : requestedKeyType;
        requestedCaValidity = requestedCaValidity == null ? Optional.empty() : requestedCaValidity;
        requestedLeafValidity = requestedLeafValidity == null ? Optional.empty() : requestedLeafValidity;
        requirePositive(requestedCaValidity);
        requirePositive(requestedLeafValidity);
    }

    /** The original form: a {@code null} key type or validity leaves the choice to the certificate authority. */
    public PkiRequest(String clusterName, List<String> dnsNames, List<String> ipAddresses, KeyType keyType,
                      Duration caValidity, Duration leafValidity) {
        this(clusterName, dnsNames, ipAddresses, Optional.ofNullable(keyType), Optional.ofNullable(caValidity),
                Optional.ofNullable(leafValidity));
    }

    private static void requirePositive(Optional<Duration> validity) {
        if (validity.isPresent() && (validity.get().isNegative() || validity.get().isZero())) {
            throw EphemeraException.invalid("certificate validity must be positive, got " + validity.get());
        }
    }

    /** The requested key type, or the built-in default (ECDSA P-256). */
    public KeyType keyType() {
        return requestedKeyType.orElse(DEFAULT_KEY_TYPE);
    }

    /** The requested CA validity, or the built-in default (10 years). */
    public Duration caValidity() {
        return requestedCaValidity.orElse(DEFAULT_CA_VALIDITY);
    }

    /** The requested leaf validity, or the built-in default (1 year). */
    public Duration leafValidity() {
        return requestedLeafValidity.orElse(DEFAULT_LEAF_VALIDITY);
    }

    /** A copy with the given key type. */
    public PkiRequest withKeyType(KeyType keyType) {
        return new PkiRequest(clusterName, dnsNames, ipAddresses, Optional.of(keyType), requestedCaValidity,
                requestedLeafValidity);
    }

    /** A copy with the given validities. */
    public PkiRequest withValidity(Duration caValidity, Duration leafValidity) {
        return new PkiRequest(clusterName, dnsNames, ipAddresses, requestedKeyType, Optional.of(caValidity),
                Optional.of(leafValidity));
    }

    /**
     * Sorts SANs given as one list into DNS names and IPs; a value that is neither is refused
     * with a message naming it. A {@code null} key type leaves the choice to the certificate authority.
     */
    public static PkiRequest ofSans(String clusterName, List<String> sans, KeyType keyType) {
        List<String> dns = new ArrayList<>();
        List<String> ips = new ArrayList<>();
        for (String s : sans) {
            if (isIpAddress(s)) {
                ips.add(s);
            } else if (s != null && DNS.matcher(s).matches()) {
                dns.add(s);
            } else {
                throw EphemeraException.invalid("SAN '" + s + "' is neither a DNS name nor an IP address: use a "
                        + "lower-case DNS name such as api.example.com or an IP such as 203.0.113.10");
            }
        }
        return new PkiRequest(clusterName, dns, ips, keyType, null, null);
    }

    /** Like {@link #ofSans(String, List, KeyType)}, leaving the key type to the certificate authority. */
    public static PkiRequest ofSans(String clusterName, List<String> sans) {
        return ofSans(clusterName, sans, null);
    }

    /** IPv4 dotted quads, or IPv6 in hex-and-colon form (with {@code ::} and a trailing dotted quad allowed, no zone). */
    public static boolean isIpAddress(String s) {
        if (s == null || s.isEmpty() || !s.equals(s.strip())) {
            return false;
        }
        return Ipv4Address.isValid(s) || isIpv6(s);
    }

    private static boolean isIpv6(String s) {
        if (s.length() > 45 || !s.contains(":")) {
            return false;
        }
        String[] halves = s.split("::", -1);
        if (halves.length > 2) {
            return false;
        }
        boolean compressed = halves.length == 2;
        int groups = 0;
        for (int h = 0; h < halves.length; h++) {
            if (halves[h].isEmpty()) {
                continue;
            }
            String[] parts = halves[h].split(":", -1);
            for (int i = 0; i < parts.length; i++) {
                boolean lastOfAddress = h == halves.length - 1 && i == parts.length - 1;
                if (lastOfAddress && parts[i].contains(".")) {
                    if (!Ipv4Address.isValid(parts[i])) {
                        return false;
                    }
                    groups += 2;
                } else if (parts[i].matches("[0-9A-Fa-f]{1,4}")) {
                    groups++;
                } else {
                    return false;
                }
            }
        }
        return compressed ? groups <= 7 : groups == 8;
    }
}
