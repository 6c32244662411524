package dev.ephemera.adapters.kubernetes.dns;

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
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.xbill.DNS.Resolver;

/**
 * Clusters' DNS names as external-dns {@code DNSEndpoint}s ({@code externaldns.k8s.io/v1alpha1}),
 * one per cluster, named {@code ephemera-<cluster>}, in a namespace external-dns watches: an A record
 * from the cluster's name to its endpoint IP, with a TTL and our labels. external-dns does the rest.
 */
public final class ExternalDnsRecords implements DnsRecords {
    public static final String NAME = "external-dns";
    static final ResourceDefinitionContext DNS_ENDPOINT = new ResourceDefinitionContext.Builder().withGroup("externaldns.k8s.io")
            .withVersion("v1alpha1").withKind("DNSEndpoint").withPlural("dnsendpoints").withNamespaced(true).build();

    static final String CLUSTER_LABEL = "ephemera.dev/cluster";
    static final String INSTALLATION_LABEL = "ephemera.dev/installation";

    private final ExternalDnsSettings settings;
    private final KubernetesClient client;
    private final Optional<Resolver> resolver;

    public ExternalDnsRecords(ExternalDnsSettings settings, KubernetesClient client) {
        this.settings = settings;
        this.client = client;
        this.resolver = settings.resolver().map(Resolvers::resolver);
    }

    static String objectName(ClusterId id) {
        return "ephemera-" + id.value();
    }

    @Override
    public String nameFor(ClusterId id, Optional<Owner> owner) {
        return settings.names().nameFor(id, owner);
    }

    @Override
    public Duration ttl() {
        return settings.ttl();
    }

    @Override
    public void publish(DnsRecord record, Map<String, String> labels) {
        Map<String, String> all = new TreeMap<>(labels);
        all.put(CLUSTER_LABEL, record.cluster().value());
        all.put(INSTALLATION_LABEL, settings.installation());
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
                if (l == null || !record.cluster().value().equals(l.get(CLUSTER_LABEL))) {
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
            if (current != null && l != null && id.value().equals(l.get(CLUSTER_LABEL))) {
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
            Map<String, Object> spec = map(o.getAdditionalProperties().get("spec"));
            if (!(spec.get("endpoints") instanceof List<?> endpoints) || endpoints.isEmpty()) {
                return Optional.empty();
            }
            Map<String, Object> e = map(endpoints.get(0));
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

    @Override
    public Optional<String> resolver() {
        return settings.resolver().map(Resolvers.Address::toString);
    }

    @Override
    public List<String> resolve(String name) {
        Resolver r = resolver.orElseThrow(() -> new EphemeraException(ErrorCode.CONFIGURATION, "no DNS resolver is configured: set "
                + ExternalDnsSettings.SECTION + ".resolver to host:port"));
        return Resolvers.lookupA(r, settings.resolver().orElseThrow(), name);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
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
                : e.getCode() == 403 ? ": grant get/create/update/delete on dnsendpoints.externaldns.k8s.io (docs/dns.md)" : "";
        return new EphemeraException(code, what + " failed" + hint + " (" + e.getMessage() + ")", e);
    }
}
