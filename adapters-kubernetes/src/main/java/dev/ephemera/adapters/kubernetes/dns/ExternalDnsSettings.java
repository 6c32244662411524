package dev.ephemera.adapters.kubernetes.dns;

import dev.ephemera.domain.cluster.DnsNamePattern;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code external-dns:} section: which cluster and namespace the DNSEndpoints go to (one
 * external-dns watches), how names are made, their TTL, and the resolver the reconciler asks
 * before a cluster is Ready.
 *
 * @param kubeconfig   kubeconfig of the cluster external-dns watches; absent: {@code $KUBECONFIG}, then {@code ~/.kube/config}
 * @param context      context of that kubeconfig; absent: its current context
 * @param inCluster    true: the pod's service account; false: a kubeconfig; absent: whichever is found
 * @param namespace    existing namespace of the DNSEndpoints
 * @param names        the zone and the name patterns
 * @param ttl          record TTL, whole seconds
 * @param installation value of the {@code ephemera.dev/installation} label
 * @param resolver     {@code host:port} (or {@code host}, port 53, or {@code system}) to look names up through; absent: no wait
 */
public record ExternalDnsSettings(Optional<String> kubeconfig, Optional<String> context, Optional<Boolean> inCluster, String namespace,
                                  DnsNamePattern names, Duration ttl, String installation, Optional<Resolvers.Address> resolver) {
    public static final String SECTION = "external-dns";
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public ExternalDnsSettings {
        if (inCluster.orElse(false) && kubeconfig.isPresent()) {
            throw config("set either " + q("kubeconfig") + " or " + q("in-cluster") + ": true, not both");
        }
        if (!DNS_LABEL.matcher(namespace).matches()) {
            throw config(q("namespace") + " '" + namespace + "' is not a namespace name (lowercase letters, digits and '-')");
        }
        if (ttl.getSeconds() < 1 || ttl.getNano() != 0) {
            throw config(q("ttl") + " must be whole seconds, at least 1s, got " + ttl);
        }
        if (!DNS_LABEL.matcher(installation).matches()) {
            throw config(q("installation") + " '" + installation + "' is not a label value (lowercase letters, digits and '-')");
        }
    }

    public static List<SettingSpec> specs() {
        return List.of(
                SettingSpec.optional("kubeconfig", "kubeconfig of the cluster external-dns watches; absent: $KUBECONFIG or ~/.kube/config", null),
                SettingSpec.optional("context", "context of that kubeconfig; absent: its current context", null),
                SettingSpec.optional("in-cluster", "true: the pod's service account; false: a kubeconfig; absent: whichever is found", null),
                SettingSpec.required("namespace", "existing namespace the DNSEndpoints go to (one external-dns watches)"),
                SettingSpec.required("zone", "DNS zone the names go under, e.g. ephemeral.example.com"),
                SettingSpec.optional("name-pattern", "name of a pull request's cluster ({number}, {repo}, {owner}, {id}, {zone})",
                        DnsNamePattern.DEFAULT_PR),
                SettingSpec.optional("fallback-name-pattern", "name of a cluster without a pull request ({id}, {zone})", DnsNamePattern.DEFAULT_OTHER),
                SettingSpec.optional("ttl", "record TTL", "60s"),
                SettingSpec.optional("resolver", "DNS server host:port (or host, or 'system') a new cluster's name must resolve through before it "
                        + "is Ready, within policies.dns-timeout; absent: no wait", null),
                SettingSpec.optional("installation", "value of the ephemera.dev/installation label on every DNSEndpoint", "default"));
    }

    public static ExternalDnsSettings from(Settings s) {
        s.validate(specs());
        Optional<Boolean> inCluster = s.string("in-cluster").filter(v -> !v.isBlank()).isPresent()
                ? Optional.of(s.bool("in-cluster", false)) : Optional.empty();
        DnsNamePattern names;
        try {
            names = new DnsNamePattern(s.string("name-pattern", DnsNamePattern.DEFAULT_PR), s.string("fallback-name-pattern",
                    DnsNamePattern.DEFAULT_OTHER), s.require("zone"));
        } catch (EphemeraException e) {
            throw config(SECTION + ": " + e.getMessage());
        }
        Optional<Resolvers.Address> resolver;
        try {
            resolver = s.string("resolver").filter(v -> !v.isBlank()).map(Resolvers.Address::parse);
        } catch (EphemeraException e) {
            throw config(q("resolver") + ": " + e.getMessage());
        }
        return new ExternalDnsSettings(s.string("kubeconfig").filter(v -> !v.isBlank()), s.string("context").filter(v -> !v.isBlank()),
                inCluster, s.require("namespace"), names, s.duration("ttl", Duration.ofSeconds(60)), s.string("installation", "default"),
                resolver);
    }

    private static String q(String key) {
        return SECTION + "." + key;
    }

    private static EphemeraException config(String message) {
        return new EphemeraException(ErrorCode.CONFIGURATION, message);
    }
}
