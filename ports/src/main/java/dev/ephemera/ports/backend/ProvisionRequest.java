package dev.ephemera.ports.backend;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.pki.PkiBundle;
import java.util.Map;
import java.util.Optional;

/**
 * What a backend needs to create one cluster.
 *
 * @param id      the cluster; creation is idempotent by this id
 * @param spec    size, location, version
 * @param address the leased IP, for backends that need one
 * @param pki     our PKI bundle, for backends whose API server should trust it from first boot
 * @param labels  labels every resource must carry, {@code ephemera.dev/cluster} and
 *                {@code ephemera.dev/installation} among them
 * @param dnsName the cluster's DNS name when DNS is configured (docs/dns.md): the API server's
 *                serving certificate must carry it as a SAN (K3s {@code --tls-san})
 */
public record ProvisionRequest(ClusterId id, ClusterSpec spec, Optional<String> address, Optional<PkiBundle> pki,
                               Map<String, String> labels, Optional<String> dnsName) {
    public ProvisionRequest {
        labels = Map.copyOf(labels);
        dnsName = dnsName == null ? Optional.empty() : dnsName;
    }

    /** A request without a DNS name. */
    public ProvisionRequest(ClusterId id, ClusterSpec spec, Optional<String> address, Optional<PkiBundle> pki, Map<String, String> labels) {
        this(id, spec, address, pki, labels, Optional.empty());
    }
}
