package dev.ephemera.adapters.proxmox;

import dev.ephemera.domain.cluster.BackendRef;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Endpoint;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.OwnedResource;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.spi.Health;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clusters as Proxmox VMs made by Cluster API on a management cluster: CAPMOX for the VMs, the K3s
 * control-plane and bootstrap providers for K3s. Ephemera writes its own CAs as the Secrets the
 * K3s provider reads, then the Cluster API objects; the providers do the rest. Readiness comes
 * from the Cluster's v1beta2 conditions (or the control plane's {@code status.ready}), read from an
 * informer's cache, never by polling the API.
 */
public final class ProxmoxCapiClusterBackend implements ClusterBackend {
    public static final String NAME = "proxmox-capi";
    static final String CLUSTER_LABEL = "ephemera.dev/cluster";
    static final String INSTALLATION_LABEL = "ephemera.dev/installation";
    private static final Logger LOG = LoggerFactory.getLogger(ProxmoxCapiClusterBackend.class);
    private static final Pattern KUBECONFIG_CA = Pattern.compile("certificate-authority-data:\\s*\"?([A-Za-z0-9+/=]+)\"?");
    private static final Pattern KUBECONFIG_CLIENT_CERT = Pattern.compile("client-certificate-data:\\s*\"?([A-Za-z0-9+/=]+)\"?");

    private final ProxmoxCapiSettings settings;
    private final KubernetesClient client;
    private final CapiManifests manifests;
    private SharedIndexInformer<GenericKubernetesResource> clusters;
    private SharedIndexInformer<GenericKubernetesResource> controlPlanes;

    public ProxmoxCapiClusterBackend(ProxmoxCapiSettings settings, KubernetesClient client) {
        this.settings = settings;
        this.client = client;
        this.manifests = new CapiManifests(settings);
    }

    @Override
    public BackendTraits traits() {
        return new BackendTraits(Optional.of(settings.leasePool()), true);
    }

    // ---- ensure

    @Override
    public BackendRef ensure(ProvisionRequest request) {
        String id = request.id().value();
        refuseWhatWeDoNotDo(request.spec());
        String endpoint = request.address().orElseThrow(() -> new EphemeraException(ErrorCode.INTERNAL, "cluster " + id
                + " has no leased address; proxmox-capi needs one from pool " + settings.leasePool() + " for its control-plane endpoint"));
        var pki = request.pki().orElseThrow(() -> new EphemeraException(ErrorCode.INTERNAL, "cluster " + id
                + " has no PKI bundle; proxmox-capi writes the cluster's CAs from it"));
        String version = request.spec().kubernetesVersion().orElse(settings.k3sVersion());
        if (!version.matches("v\\d+\\.\\d+\\.\\d+(-rc\\d+)?\\+k3s\\d+")) {
            throw EphemeraException.invalid("kubernetes version '" + version + "' is not a K3s release: proxmox-capi needs a full K3s "
                    + "version such as " + ProxmoxCapiSettings.DEFAULT_K3S_VERSION);
        }
        CapiManifests.Rendered r = manifests.render(id, endpoint, version, pki, request.labels(), request.dnsName());
        String ns = settings.namespaceOf(id);
        try {
            if (r.namespace().isPresent()) {
                createOrGet(id, r.namespace().get(), () -> client.namespaces().resource(r.namespace().get()).create(),
                        () -> client.namespaces().withName(ns).get());
            }
            // The CA Secrets first: the K3s provider makes whatever it does not find, and only once.
            for (Secret s : r.secrets()) {
                createOrGet(id, s, () -> client.secrets().inNamespace(ns).resource(s).create(),
                        () -> client.secrets().inNamespace(ns).withName(s.getMetadata().getName()).get());
            }
            for (GenericKubernetesResource o : r.objects()) {
                ResourceDefinitionContext kind = kindOf(o);
                createOrGet(id, o, () -> client.genericKubernetesResources(kind).inNamespace(ns).resource(o).create(),
                        () -> client.genericKubernetesResources(kind).inNamespace(ns).withName(o.getMetadata().getName()).get());
            }
        } catch (KubernetesClientException e) {
            throw apiError("creating cluster " + id + " in namespace " + ns, e);
        }
        LOG.info("cluster objects in place cluster={} namespace={} endpoint={}", id, ns, endpoint);
        return new BackendRef(NAME, ns + "/" + id);
    }

    private static void refuseWhatWeDoNotDo(ClusterSpec spec) {
        if (spec.size().isPresent()) {
            throw EphemeraException.invalid("proxmox-capi takes the VM size from its settings (cpu-sockets, cpu-cores, memory-mib, disk-gb), "
                    + "not from --size '" + spec.size().get() + "': leave --size out");
        }
        if (spec.location().isPresent()) {
            throw EphemeraException.invalid("proxmox-capi places VMs by its settings (source-node, allowed-nodes), not by --location '"
                    + spec.location().get() + "': leave --location out");
        }
    }

    private static ResourceDefinitionContext kindOf(GenericKubernetesResource o) {
        return CapiKinds.ALL.stream().filter(k -> k.getKind().equals(o.getKind())).findFirst()
                .orElseThrow(() -> new IllegalStateException("not a kind we make: " + o.getKind()));
    }

    private static <T extends HasMetadata> void createOrGet(String id, T wanted, java.util.function.Supplier<T> create,
                                                            java.util.function.Supplier<T> get) {
        try {
            create.get();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            T existing = get.get();
            String owner = existing == null || existing.getMetadata().getLabels() == null ? null
                    : existing.getMetadata().getLabels().get(CLUSTER_LABEL);
            if (existing != null && !id.equals(owner)) {
                throw EphemeraException.conflict(wanted.getKind() + " " + wanted.getMetadata().getName() + " already exists"
                        + (wanted.getMetadata().getNamespace() == null ? "" : " in namespace " + wanted.getMetadata().getNamespace())
                        + " and was not made by Ephemera for cluster " + id + "; delete it or set " + ProxmoxCapiSettings.SECTION
                        + ".namespace to another namespace");
            }
        }
    }

    // ---- observe

    @Override
    public Observation observe(ClusterId clusterId) {
        String id = clusterId.value();
        String ns = settings.namespaceOf(id);
        startInformers();
        GenericKubernetesResource cluster = clusters.getStore().getByKey(ns + "/" + id);
        if (cluster == null) {
            // The cache may not have seen a Cluster created a moment ago: one read by name tells.
            try {
                cluster = client.genericKubernetesResources(CapiKinds.CLUSTER).inNamespace(ns).withName(id).get();
            } catch (KubernetesClientException e) {
                throw apiError("reading Cluster " + ns + "/" + id, e);
            }
            if (cluster == null) {
                return Observation.absent();
            }
        }
        GenericKubernetesResource cp = controlPlanes.getStore().getByKey(ns + "/" + CapiManifests.controlPlaneName(id));
        return ClusterStatus.of(cluster, cp).toObservation(endpointOf(cluster), () -> caCheck(ns, id));
    }

    private Optional<Endpoint> endpointOf(GenericKubernetesResource cluster) {
        Map<String, Object> spec = map(cluster.getAdditionalProperties().get("spec"));
        Map<String, Object> ep = map(spec.get("controlPlaneEndpoint"));
        Object host = ep.get("host");
        if (host == null || host.toString().isBlank()) {
            return Optional.empty();
        }
        Object port = ep.getOrDefault("port", settings.apiPort());
        return Optional.of(new Endpoint(URI.create("https://" + host + ":" + port), Optional.empty(), Optional.of(host.toString())));
    }

    /**
     * Whether the provider used our CAs: the kubeconfig it writes trusts the server CA it serves with,
     * and its admin certificate is issued by the client CA it trusts. Empty when both are ours (or
     * the kubeconfig is not written yet), else what is wrong. With cluster-api-k3s' anonymous auth on,
     * {@code /readyz} alone would not notice a client CA of the provider's own.
     */
    private Optional<String> caCheck(String ns, String id) {
        try {
            Secret kubeconfig = client.secrets().inNamespace(ns).withName(CapiManifests.kubeconfigSecretName(id)).get();
            if (kubeconfig == null || kubeconfig.getData() == null || !kubeconfig.getData().containsKey("value")) {
                return Optional.empty();
            }
            String text = new String(Base64.getDecoder().decode(kubeconfig.getData().get("value")), StandardCharsets.UTF_8);
            Optional<String> theirServerCa = field(text, KUBECONFIG_CA);
            Optional<String> theirClientCert = field(text, KUBECONFIG_CLIENT_CERT);
            Optional<String> ourServerCa = secretCert(ns, id + "-ca");
            Optional<String> ourClientCa = secretCert(ns, id + "-cca");
            if (ourServerCa.isEmpty() || ourClientCa.isEmpty()) {
                return Optional.of("Secret " + ns + "/" + id + "-ca or -cca with our CAs is gone; delete the cluster and create it again");
            }
            if (theirServerCa.isPresent() && !theirServerCa.get().strip().equals(ourServerCa.get().strip())) {
                return Optional.of("the K3s provider serves with a CA of its own, not ours from Secret " + ns + "/" + id
                        + "-ca (was the Secret created after the Cluster?); delete the cluster and create it again");
            }
            if (theirClientCert.isPresent()) {
                X509Certificate admin = x509(theirClientCert.get());
                X509Certificate clientCa = x509(ourClientCa.get());
                if (!admin.getIssuerX500Principal().equals(clientCa.getSubjectX500Principal())) {
                    return Optional.of("the K3s provider signs client certificates with a CA of its own, not ours from Secret " + ns + "/"
                            + id + "-cca; our admin certificate would not be trusted — delete the cluster and create it again");
                }
            }
            return Optional.empty();
        } catch (KubernetesClientException | IllegalArgumentException | CertificateException e) {
            return Optional.empty(); // a check we could not make is not a failure of the cluster; /readyz with our certificate decides
        }
    }

    private static Optional<String> field(String kubeconfig, Pattern p) {
        Matcher m = p.matcher(kubeconfig);
        return m.find() ? Optional.of(new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8)) : Optional.empty();
    }

    private Optional<String> secretCert(String ns, String name) {
        Secret s = client.secrets().inNamespace(ns).withName(name).get();
        if (s == null || s.getData() == null || !s.getData().containsKey("tls.crt")) {
            return Optional.empty();
        }
        return Optional.of(new String(Base64.getDecoder().decode(s.getData().get("tls.crt")), StandardCharsets.UTF_8));
    }

    private static X509Certificate x509(String pem) throws CertificateException {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    private synchronized void startInformers() {
        if (clusters != null) {
            return;
        }
        try {
            clusters = inScope(CapiKinds.CLUSTER).withLabel(INSTALLATION_LABEL, settings.installation()).inform();
            controlPlanes = inScope(CapiKinds.K3S_CONTROL_PLANE).withLabel(INSTALLATION_LABEL, settings.installation()).inform();
        } catch (KubernetesClientException e) {
            close();
            throw apiError("watching Clusters on the management cluster", e);
        }
    }

    private io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable<GenericKubernetesResource,
            io.fabric8.kubernetes.api.model.GenericKubernetesResourceList, io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>>
            inScope(ResourceDefinitionContext kind) {
        var op = client.genericKubernetesResources(kind);
        return settings.namespacePerCluster() ? op.inAnyNamespace() : op.inNamespace(settings.namespace());
    }

    // ---- destroy

    @Override
    public void destroy(ClusterId clusterId) {
        String id = clusterId.value();
        String ns = settings.namespaceOf(id);
        try {
            var cluster = client.genericKubernetesResources(CapiKinds.CLUSTER).inNamespace(ns).withName(id);
            GenericKubernetesResource existing = cluster.get();
            if (existing != null) {
                requireOurs(id, existing);
                cluster.withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
                try {
                    cluster.waitUntilCondition(Objects::isNull, settings.destroyTimeout().toMillis(), TimeUnit.MILLISECONDS);
                } catch (KubernetesClientTimeoutException e) {
                    // The watch can miss the last event (a reconnect under load); what counts is whether it is still there.
                    GenericKubernetesResource still = cluster.get();
                    if (still != null) {
                        throw EphemeraException.timeout("Cluster " + ns + "/" + id + " is still being deleted after "
                            + settings.destroyTimeout() + " (finalizers " + still.getMetadata().getFinalizers() + ")"
                            + "; the providers are removing its VMs — run the delete again later, or check with: kubectl -n " + ns
                            + " describe cluster " + id);
                    }
                }
            }
            for (ResourceDefinitionContext kind : CapiKinds.DELETE_ORDER) {
                for (GenericKubernetesResource o : inNs(kind, ns).withLabel(CLUSTER_LABEL, id)
                        .withLabel(INSTALLATION_LABEL, settings.installation()).list().getItems()) {
                    inNs(kind, ns).withName(o.getMetadata().getName()).delete();
                }
            }
            for (Secret s : client.secrets().inNamespace(ns).withLabel(CLUSTER_LABEL, id)
                    .withLabel(INSTALLATION_LABEL, settings.installation()).list().getItems()) {
                client.secrets().inNamespace(ns).withName(s.getMetadata().getName()).delete();
            }
            // The provider's kubeconfig Secret is owned by the Cluster, so garbage collection removes it;
            // removing it here too keeps a shared namespace clean where no collector runs.
            Secret kubeconfig = client.secrets().inNamespace(ns).withName(CapiManifests.kubeconfigSecretName(id)).get();
            if (kubeconfig != null && kubeconfig.getMetadata().getLabels() != null
                    && id.equals(kubeconfig.getMetadata().getLabels().get(CapiManifests.CAPI_CLUSTER_LABEL))) {
                client.secrets().inNamespace(ns).withName(CapiManifests.kubeconfigSecretName(id)).delete();
            }
            if (settings.namespacePerCluster()) {
                Namespace n = client.namespaces().withName(ns).get();
                if (n != null && n.getMetadata().getLabels() != null && id.equals(n.getMetadata().getLabels().get(CLUSTER_LABEL))) {
                    client.namespaces().withName(ns).delete();
                }
            }
        } catch (KubernetesClientException e) {
            throw apiError("deleting cluster " + id + " from namespace " + ns, e);
        }
        LOG.info("cluster objects deleted cluster={} namespace={}", id, ns);
    }

    private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<GenericKubernetesResource,
            io.fabric8.kubernetes.api.model.GenericKubernetesResourceList, io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>>
            inNs(ResourceDefinitionContext kind, String ns) {
        return client.genericKubernetesResources(kind).inNamespace(ns);
    }

    private static void requireOurs(String id, HasMetadata o) {
        Map<String, String> labels = o.getMetadata().getLabels();
        if (labels == null || !id.equals(labels.get(CLUSTER_LABEL))) {
            throw EphemeraException.conflict(o.getKind() + " " + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName()
                    + " was not made by Ephemera (no " + CLUSTER_LABEL + "=" + id + " label); Ephemera leaves it alone — delete it with kubectl if it should go");
        }
    }

    // ---- owned

    @Override
    public List<OwnedResource> owned() {
        List<OwnedResource> out = new ArrayList<>();
        try {
            for (ResourceDefinitionContext kind : CapiKinds.DELETE_ORDER) {
                for (GenericKubernetesResource o : inScope(kind).withLabel(INSTALLATION_LABEL, settings.installation()).list().getItems()) {
                    out.add(owned(kind.getKind(), o));
                }
            }
            if (settings.namespacePerCluster()) {
                for (Namespace n : client.namespaces().withLabel(INSTALLATION_LABEL, settings.installation()).list().getItems()) {
                    out.add(owned("Namespace", n));
                }
            } else {
                for (Secret s : client.secrets().inNamespace(settings.namespace()).withLabel(INSTALLATION_LABEL, settings.installation())
                        .list().getItems()) {
                    out.add(owned("Secret", s));
                }
            }
        } catch (KubernetesClientException e) {
            throw apiError("listing what installation " + settings.installation() + " owns on the management cluster", e);
        }
        return out;
    }

    private static OwnedResource owned(String kind, HasMetadata o) {
        String ns = o.getMetadata().getNamespace();
        String name = (ns == null ? "" : ns + "/") + o.getMetadata().getName();
        Optional<String> cluster = Optional.ofNullable(o.getMetadata().getLabels()).map(l -> l.get(CLUSTER_LABEL));
        return new OwnedResource(kind, name, cluster, kind + " " + name);
    }

    // ---- health and lifecycle

    @Override
    public Health health() {
        try {
            inScope(CapiKinds.CLUSTER).withLabel(INSTALLATION_LABEL, settings.installation()).list();
            return Health.up("management cluster " + client.getMasterUrl() + " answers; Cluster API CRDs present");
        } catch (KubernetesClientException e) {
            return Health.down("management cluster " + client.getMasterUrl() + ": " + apiError("listing Clusters", e).getMessage());
        } catch (RuntimeException e) {
            return Health.down("management cluster " + client.getMasterUrl() + " unreachable: " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (clusters != null) {
            clusters.close();
        }
        if (controlPlanes != null) {
            controlPlanes.close();
        }
        clusters = null;
        controlPlanes = null;
        client.close();
    }

    private EphemeraException apiError(String what, KubernetesClientException e) {
        int code = e.getCode();
        String hint = switch (code) {
            case 401 -> "the management cluster refused our credentials: check " + ProxmoxCapiSettings.SECTION + ".kubeconfig";
            case 403 -> "Ephemera lacks a permission on the management cluster: grant the RBAC in docs/proxmox.md";
            case 404 -> "a Cluster API kind is missing: run clusterctl init --infrastructure proxmox --ipam in-cluster "
                    + "--control-plane k3s --bootstrap k3s on the management cluster";
            default -> "the management cluster answered " + (code == 0 ? "nothing" : String.valueOf(code));
        };
        ErrorCode ec = switch (code) {
            case 401 -> ErrorCode.UNAUTHENTICATED;
            case 403 -> ErrorCode.PERMISSION_DENIED;
            case 404 -> ErrorCode.CONFIGURATION;
            case 409 -> ErrorCode.CONFLICT;
            case 422, 400 -> ErrorCode.BACKEND;
            default -> ErrorCode.UNAVAILABLE;
        };
        return new EphemeraException(ec, what + " failed: " + hint + " (" + e.getMessage() + ")", e);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }
}
