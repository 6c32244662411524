package dev.ephemera.adapters.proxmox;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code external-dns:} section: where DNSEndpoints go (a namespace external-dns watches on
 * the management cluster) and how names are made.
 *
 * @param prName    name of a pull request's cluster below the zone; {@code {number}}, {@code {repo}} and {@code {id}} are filled in
 * @param otherName name of any other cluster below the zone; {@code {id}} is filled in
 */
public record ExternalDnsSettings(Optional<String> kubeconfig, Optional<String> context, boolean inCluster, String namespace, String zone,
                                  String prName, String otherName, Duration ttl, String installation) {
    public static final String SECTION = "external-dns";
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern ZONE = Pattern.compile("([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public ExternalDnsSettings {
        if (inCluster && kubeconfig.isPresent()) {
            throw config("set either " + q("kubeconfig") + " or " + q("in-cluster") + ": true, not both");
        }
        if (!DNS_LABEL.matcher(namespace).matches()) {
            throw config(q("namespace") + " '" + namespace + "' is not a namespace name");
        }
        if (!ZONE.matcher(zone).matches()) {
            throw config(q("zone") + " '" + zone + "' is not a DNS zone (e.g. ephemeral.example.com)");
        }
        for (String p : List.of(prName, otherName)) {
            String probe = p.replace("{number}", "1").replace("{repo}", "r").replace("{id}", "c");
            if (probe.contains("{") || probe.contains("}") || !ZONE.matcher(probe).matches()) {
                throw config("name pattern '" + p + "' must be DNS labels with {number}, {repo} or {id} in them, e.g. pr-{number}-{repo}");
            }
        }
        if (!otherName.contains("{id}")) {
            throw config(q("name") + " '" + otherName + "' must contain {id}, or every cluster would get the same name");
        }
        if (!prName.contains("{number}") && !prName.contains("{id}")) {
            throw config(q("pr-name") + " '" + prName + "' must contain {number} or {id}, or pull requests would share a name");
        }
        if (ttl.getSeconds() < 1 || ttl.getNano() != 0) {
            throw config(q("ttl") + " must be whole seconds, at least 1s");
        }
    }

    public static List<SettingSpec> specs() {
        return List.of(
                SettingSpec.optional("kubeconfig", "kubeconfig of the cluster external-dns watches; absent: $KUBECONFIG or ~/.kube/config", null),
                SettingSpec.optional("context", "context of that kubeconfig; absent: its current context", null),
                SettingSpec.optional("in-cluster", "use the pod's service account", "false"),
                SettingSpec.required("namespace", "existing namespace the DNSEndpoints go to (one external-dns watches)"),
                SettingSpec.required("zone", "DNS zone the names go under, e.g. ephemeral.example.com"),
                SettingSpec.optional("pr-name", "name below the zone of a pull request's cluster ({number}, {repo}, {id})", "pr-{number}-{repo}"),
                SettingSpec.optional("name", "name below the zone of any other cluster ({id})", "{id}"),
                SettingSpec.optional("ttl", "record TTL", "60s"),
                SettingSpec.optional("installation", "value of the ephemera.dev/installation label on every DNSEndpoint", "default"));
    }

    public static ExternalDnsSettings from(Settings s) {
        s.validate(specs());
        return new ExternalDnsSettings(s.string("kubeconfig").filter(v -> !v.isBlank()), s.string("context").filter(v -> !v.isBlank()),
                s.bool("in-cluster", false), s.require("namespace"), s.require("zone"), s.string("pr-name", "pr-{number}-{repo}"),
                s.string("name", "{id}"), s.duration("ttl", Duration.ofSeconds(60)), s.string("installation", "default"));
    }

    private static String q(String key) {
        return SECTION + "." + key;
    }

    private static EphemeraException config(String message) {
        return new EphemeraException(ErrorCode.CONFIGURATION, message);
    }
}
