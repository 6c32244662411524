package dev.ephemera.domain.cluster;

import java.net.URI;
import java.util.Optional;

/** Where a cluster's API server answers. */
public record Endpoint(URI apiUrl, Optional<String> dnsName, Optional<String> ipAddress) {
    public Endpoint {
        if (apiUrl == null || !"https".equals(apiUrl.getScheme())) {
            throw new IllegalArgumentException("API URL must be https, got " + apiUrl);
        }
        dnsName = dnsName == null ? Optional.empty() : dnsName;
        ipAddress = ipAddress == null ? Optional.empty() : ipAddress;
    }
}
