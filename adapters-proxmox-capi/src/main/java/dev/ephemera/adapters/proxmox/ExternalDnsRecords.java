package dev.ephemera.adapters.proxmox;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.dns.DnsRecord;
import dev.ephemera.ports.dns.DnsRecords;
import dev.ephemera.ports.spi.Health;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Clusters' DNS names as external-dns {@code DNSEndpoint}s ({@code externaldns.k8s.io/v1alpha1}),
 * one per cluster, named {@code ephemera-<cluster>}, in a namespace external-dns watches: an A record
 * from the cluster's name to its endpoint IP, with a TTL and our labels. external-dns does the rest.
 */
public final class ExternalDnsRecords implements DnsRecords {
    public static final String NAME = "external-dns";
    static final ResourceDefinitionContext DNS_ENDPOINT = new ResourceDefinitionContext.Builder().withGroup("externaldns.k8s.io")
            .withVersion("v1alpha1").withKind("DNSEndpoint").withPlural("dnsendpoints").withNamespaced(true).build();

    private final ExternalDnsSettings settings;
    private final KubernetesClient client;

    public ExternalDnsRecords(ExternalDnsSettings settings, KubernetesClient client) {
        this.settings = settings;
        this.client = client;
    }

    static String objectName(ClusterId id) {
        return "ephemera-" + id.value();
    }

    @Override
    public String nameFor(ClusterId id, Optional<Owner> owner) {
        String below;
        if (owner.isPresent() && owner.get().pullRequest().isPresent()) {
            String repo = owner.get().repository().substring(owner.get().repository().indexOf('/') + 1).toLowerCase(Locale.ROOT)
                    .replaceAll("[^a-z0-9-]", "-").replaceAll("^-+|-+$", "");
            below = settings.prName().replace("{number}", String.valueOf(owner.get().pullRequest().get())).replace("{repo}", repo)
                    .replace("{id}", id.value());
        } else {
            below = settings.otherName().replace("{id}", id.value());
        }
        String name = below + "." + settings.zone();
        String first = below.contains(".") ? below.substring(0, below.indexOf('.')) : below;
        if (first.length() > 63 || name.length() > 253) {
            throw EphemeraException.invalid("the DNS name '" + name + "' of cluster " + id + " is too long (labels at most 63, names 253 "
                    + "characters): shorten " + ExternalDnsSettings.SECTION + ".pr-name or the repository's name");
        }
        return name;
    }

    @Override
    public void publish(DnsRecord record, Map<String, String> labels) {
        Map<String, String> all = new TreeMap<>(labels);
        all.put(ProxmoxCapiClusterBackend.CLUSTER_LABEL, record.cluster().value());
        all.put(ProxmoxCapiClusterBackend.INSTALLATION_LABEL, settings.installation());
        Map<String, Object> endpoint = new LinkedHashMap<>();
        endpoint.put("dnsName", record.name());
        endpoint.put("recordType", "A");
        endpoint.put("recordTTL", record.ttl().getSeconds());
        endpoint.put("targets", List.of(record.address()));
        GenericKubernetesResource o = new GenericKubernetesResourceBuilder().withApiVersion("externaldns.k8s.io/v1alpha1").withKind("DNSEndpoint")
                .withNewMetadata().withName(objectName(record.cluster())).withNamespace(settings.namespace()).withLabels(all).endMetadata()
                .withAdditionalProperties(Map.of("spec", Map.of("endpoints", List.of(endpoint)))).build();
        try {
            var named = client.genericKubernetesResources(DNS_ENDPOINT).inNamespace(settings.namespace()).withName(objectName(record.cluster()));
            GenericKubernetesResource current = named.get();
            if (current == null) {
                client.genericKubernetesResources(DNS_ENDPOINT).inNamespace(settings.namespace()).resource(o).create();
            } else {
                Map<String, String> l = current.getMetadata().getLabels();
                if (l == null || !record.cluster().value().equals(l.get(ProxmoxCapiClusterBackend.CLUSTER_LABEL))) {
                    throw EphemeraException.conflict("DNSEndpoint " + settings.namespace() + "/" + objectName(record.cluster())
                            + " exists and was not made by Ephemera for cluster " + record.cluster() + "; delete it or choose another namespace");
                }
                o.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
                client.genericKubernetesResources(DNS_ENDPOINT).inNamespace(settings.namespace()).resource(o).update();
            }
        } catch (KubernetesClientException e) {
            throw error("publishing " + record.name() + " → " + record.address(), e);
        }
    }

    @Override
    public void remove(ClusterId id) {
        try {
            var r = client.genericKubernetesResources(DNS_ENDPOINT).inNamespace(settings.namespace()).withName(objectName(id));
            GenericKubernetesResource current = r.get();
            Map<String, String> l = current == null ? null : current.getMetadata().getLabels();
            if (current != null && l != null && id.value().equals(l.get(ProxmoxCapiClusterBackend.CLUSTER_LABEL))) {
                r.delete();
            }
        } catch (KubernetesClientException e) {
            throw error("removing the DNS record of " + id, e);
        }
    }

    @Override
    public Optional<DnsRecord> find(ClusterId id) {
        try {
            GenericKubernetesResource o = client.genericKubernetesResources(DNS_ENDPOINT).inNamespace(settings.namespace())
                    .withName(objectName(id)).get();
            if (o == null) {
                return Optional.empty();
            }
            Map<String, Object> spec = ProxmoxCapiClusterBackend.map(o.getAdditionalProperties().get("spec"));
            if (!(spec.get("endpoints") instanceof List<?> endpoints) || endpoints.isEmpty()) {
                return Optional.empty();
            }
            Map<String, Object> e = ProxmoxCapiClusterBackend.map(endpoints.get(0));
            List<?> targets = e.get("targets") instanceof List<?> t ? t : List.of();
            if (targets.isEmpty()) {
                return Optional.empty();
            }
            long ttl = e.get("recordTTL") instanceof Number n ? n.longValue() : settings.ttl().getSeconds();
            return Optional.of(new DnsRecord(id, String.valueOf(e.get("dnsName")), String.valueOf(targets.get(0)), Duration.ofSeconds(ttl)));
        } catch (KubernetesClientException e) {
            throw error("reading the DNS record of " + id, e);
        }
    }

    /** The configured TTL, for callers building a {@link DnsRecord}. */
    public Duration ttl() {
        return settings.ttl();
    }

    @Override
    public Health health() {
        try {
            client.genericKubernetesResources(DNS_ENDPOINT).inNamespace(settings.namespace()).list();
            return Health.up("DNSEndpoints in " + settings.namespace() + " on " + client.getMasterUrl());
        } catch (RuntimeException e) {
            return Health.down("DNSEndpoints in " + settings.namespace() + " on " + client.getMasterUrl() + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        client.close();
    }

    private static EphemeraException error(String what, KubernetesClientException e) {
        ErrorCode code = switch (e.getCode()) {
            case 401 -> ErrorCode.UNAUTHENTICATED;
            case 403 -> ErrorCode.PERMISSION_DENIED;
            case 404 -> ErrorCode.CONFIGURATION;
            default -> ErrorCode.UNAVAILABLE;
        };
        String hint = e.getCode() == 404 ? ": is external-dns' DNSEndpoint CRD installed, and does the namespace exist?"
                : e.getCode() == 403 ? ": grant get/create/update/delete on dnsendpoints.externaldns.k8s.io (docs/proxmox.md)" : "";
        return new EphemeraException(code, what + " failed" + hint + " (" + e.getMessage() + ")", e);
    }
}
