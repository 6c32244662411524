package dev.ephemera.adapters.proxmox;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.pki.BundleFile;
import dev.ephemera.domain.pki.PkiBundle;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The objects of one workload cluster on the management cluster, as pure data: our CA Secrets in
 * the K3s provider's layout, the K3s files the provider does not write, and the five Cluster API
 * objects. Rendering touches no API, so tests validate exactly what {@link ProxmoxCapiClusterBackend} sends.
 */
final class CapiManifests {
    /** The label the providers find a cluster's Secrets by. */
    static final String CAPI_CLUSTER_LABEL = "cluster.x-k8s.io/cluster-name";
    /** Secret type Cluster API gives the Secrets it makes; the K3s provider reads ours by name and keys alone. */
    static final String CAPI_SECRET_TYPE = "cluster.x-k8s.io/secret";
    static final String K3S_TLS_DIR = "/var/lib/rancher/k3s/server/tls/";
    static final String KUBE_VIP_MANIFEST = "/var/lib/rancher/k3s/agent/pod-manifests/kube-vip.yaml";
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /**
     * The Secret suffix → the CA of our bundle the K3s provider reads from it
     * (cluster-api-k3s v0.3.1: {@code -ca} server-ca, {@code -cca} client-ca, {@code -etcd} etcd server-ca).
     */
    static final Map<String, String> PROVIDER_CA_SECRETS = orderedOf(
            "ca", "server-ca",
            "cca", "client-ca",
            "etcd", "etcd/server-ca");

    /**
     * The K3s files the provider does not write, delivered by {@code kthreesConfigSpec.files} from
     * the Secret {@code <cluster>-k3s-tls}: Secret key → file below {@code server/tls/}.
     * Without them K3s would make its own request-header and etcd peer CAs and service-account key at first start.
     */
    static final Map<String, String> EXTRA_K3S_FILES = orderedOf(
            "request-header-ca.crt", "request-header-ca.crt",
            "request-header-ca.key", "request-header-ca.key",
            "etcd-peer-ca.crt", "etcd/peer-ca.crt",
            "etcd-peer-ca.key", "etcd/peer-ca.key",
            "service.key", "service.key");

    record Rendered(Optional<Namespace> namespace, List<Secret> secrets, List<GenericKubernetesResource> objects) {
        Rendered {
            secrets = List.copyOf(secrets);
            objects = List.copyOf(objects);
        }
    }

    private final ProxmoxCapiSettings settings;

    CapiManifests(ProxmoxCapiSettings settings) {
        this.settings = settings;
    }

    static String controlPlaneName(String cluster) {
        return cluster + "-control-plane";
    }

    static String workerTemplateName(String cluster) {
        return cluster + "-worker";
    }

    static String extraTlsSecretName(String cluster) {
        return cluster + "-k3s-tls";
    }

    static String kubeconfigSecretName(String cluster) {
        return cluster + "-kubeconfig";
    }

    /** Names of every Secret we make for a cluster. */
    static List<String> secretNames(String cluster) {
        List<String> out = new ArrayList<>();
        PROVIDER_CA_SECRETS.keySet().forEach(suffix -> out.add(cluster + "-" + suffix));
        out.add(extraTlsSecretName(cluster));
        return out;
    }

    /**
     * @param endpoint   the leased control-plane address
     * @param k3sVersion the pinned K3s release
     * @param labels     labels for every object ({@code ephemera.dev/cluster}, {@code ephemera.dev/installation})
     */
    Rendered render(String cluster, String endpoint, String k3sVersion, PkiBundle pki, Map<String, String> labels) {
        return render(cluster, endpoint, k3sVersion, pki, labels, Optional.empty());
    }

    /** As above; {@code dnsName}, when DNS is configured, joins the endpoint in K3s's {@code tlsSan}. */
    Rendered render(String cluster, String endpoint, String k3sVersion, PkiBundle pki, Map<String, String> labels, Optional<String> dnsName) {
        String ns = settings.namespaceOf(cluster);
        Map<String, String> all = new TreeMap<>(labels);
        all.put(CAPI_CLUSTER_LABEL, cluster);
        Optional<Namespace> namespace = settings.namespacePerCluster()
                ? Optional.of(new NamespaceBuilder().withNewMetadata().withName(ns).withLabels(new TreeMap<>(labels)).endMetadata().build())
                : Optional.empty();

        List<Secret> secrets = new ArrayList<>();
        Map<String, BundleFile> tls = pki.k3sTlsFiles();
        PROVIDER_CA_SECRETS.forEach((suffix, base) -> secrets.add(secret(cluster + "-" + suffix, ns, all, CAPI_SECRET_TYPE,
                orderedOf("tls.crt", content(tls, base + ".crt"), "tls.key", content(tls, base + ".key")))));
        Map<String, String> extra = new LinkedHashMap<>();
        EXTRA_K3S_FILES.forEach((key, file) -> extra.put(key, content(tls, file)));
        secrets.add(secret(extraTlsSecretName(cluster), ns, all, "Opaque", extra));

        List<GenericKubernetesResource> objects = List.of(
                machineTemplate(cluster, ns, all),
                workerConfigTemplate(cluster, ns, all),
                proxmoxCluster(cluster, ns, all, endpoint),
                controlPlane(cluster, ns, all, endpoint, k3sVersion, dnsName),
                cluster(cluster, ns, all, endpoint));
        return new Rendered(namespace, secrets, objects);
    }

    private static String content(Map<String, BundleFile> tls, String file) {
        BundleFile f = tls.get(file);
        if (f == null) {
            throw new EphemeraException(ErrorCode.INTERNAL, "the cluster's PKI bundle has no " + PkiBundle.K3S_TLS_PREFIX + file
                    + "; the proxmox-capi backend needs the full K3s tree from the certificate authority");
        }
        return f.content().reveal();
    }

    private static Secret secret(String name, String ns, Map<String, String> labels, String type, Map<String, String> data) {
        Map<String, String> encoded = new LinkedHashMap<>();
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns).withLabels(labels).endMetadata()
                .withType(type).withData(encoded).build();
    }

    private static GenericKubernetesResource object(ResourceDefinitionContext kind, String name, String ns, Map<String, String> labels,
                                                    Map<String, Object> spec) {
        return new GenericKubernetesResourceBuilder().withApiVersion(CapiKinds.apiVersion(kind)).withKind(kind.getKind())
                .withNewMetadata().withName(name).withNamespace(ns).withLabels(labels).endMetadata()
                .withAdditionalProperties(Map.of("spec", spec)).build();
    }

    private GenericKubernetesResource cluster(String cluster, String ns, Map<String, String> labels, String endpoint) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("clusterNetwork", orderedOf(
                "pods", Map.of("cidrBlocks", List.of("10.42.0.0/16")),
                "services", Map.of("cidrBlocks", List.of("10.43.0.0/16"))));
        spec.put("controlPlaneEndpoint", endpoint(endpoint));
        // v1beta2 references: apiGroup/kind/name, no apiVersion.
        spec.put("controlPlaneRef", orderedOf("apiGroup", CapiKinds.CONTROL_PLANE_GROUP, "kind", CapiKinds.K3S_CONTROL_PLANE.getKind(),
                "name", controlPlaneName(cluster)));
        spec.put("infrastructureRef", orderedOf("apiGroup", CapiKinds.INFRASTRUCTURE_GROUP, "kind", CapiKinds.PROXMOX_CLUSTER.getKind(),
                "name", cluster));
        return object(CapiKinds.CLUSTER, cluster, ns, labels, spec);
    }

    private Map<String, Object> endpoint(String host) {
        return orderedOf("host", host, "port", settings.apiPort());
    }

    private GenericKubernetesResource proxmoxCluster(String cluster, String ns, Map<String, String> labels, String endpoint) {
        if (AddressRanges.anyContains(settings.nodeAddresses(), endpoint, ProxmoxCapiSettings.SECTION + ".node-addresses")) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "the leased endpoint " + endpoint + " lies inside "
                    + ProxmoxCapiSettings.SECTION + ".node-addresses " + settings.nodeAddresses() + ", which CAPMOX refuses: "
                    + "give the lease pool and the node addresses ranges that do not overlap");
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("controlPlaneEndpoint", endpoint(endpoint));
        spec.put("ipv4Config", orderedOf("addresses", settings.nodeAddresses(), "gateway", settings.gateway(), "prefix", settings.prefix()));
        spec.put("dnsServers", settings.dnsServers());
        if (!settings.allowedNodes().isEmpty()) {
            spec.put("allowedNodes", settings.allowedNodes());
        }
        settings.credentialsSecret().ifPresent(name -> spec.put("credentialsRef", orderedOf("name", name, "namespace", ns)));
        return object(CapiKinds.PROXMOX_CLUSTER, cluster, ns, labels, spec);
    }

    private GenericKubernetesResource machineTemplate(String cluster, String ns, Map<String, String> labels) {
        Map<String, Object> vm = new LinkedHashMap<>();
        vm.put("sourceNode", settings.sourceNode());
        settings.templateId().ifPresent(id -> vm.put("templateID", id));
        if (!settings.templateTags().isEmpty()) {
            vm.put("templateSelector", Map.of("matchTags", settings.templateTags()));
        }
        vm.put("full", true);
        settings.storage().ifPresent(s -> vm.put("storage", s));
        vm.put("numSockets", settings.sockets());
        vm.put("numCores", settings.cores());
        vm.put("memoryMiB", settings.memoryMiB());
        vm.put("disks", Map.of("bootVolume", orderedOf("disk", settings.bootDisk(), "sizeGb", settings.diskGb())));
        vm.put("network", Map.of("networkDevices", List.of(orderedOf("name", "net0", "bridge", settings.bridge(), "model", "virtio",
                "defaultIPv4", true))));
        return object(CapiKinds.PROXMOX_MACHINE_TEMPLATE, controlPlaneName(cluster), ns, labels,
                Map.of("template", Map.of("spec", vm)));
    }

    /** For worker machines, should a MachineDeployment be added; seed 003's clusters are one server and have none. */
    private GenericKubernetesResource workerConfigTemplate(String cluster, String ns, Map<String, String> labels) {
        return object(CapiKinds.K3S_CONFIG_TEMPLATE, workerTemplateName(cluster), ns, labels,
                Map.of("template", Map.of("spec", Map.of("agentConfig", Map.of("nodeLabels", List.of("ephemera.dev/cluster=" + cluster))))));
    }

    private GenericKubernetesResource controlPlane(String cluster, String ns, Map<String, String> labels, String endpoint, String k3sVersion,
                                                   Optional<String> dnsName) {
        List<Object> files = new ArrayList<>();
        EXTRA_K3S_FILES.forEach((key, file) -> files.add(orderedOf(
                "path", K3S_TLS_DIR + file,
                "owner", "root:root",
                "permissions", file.endsWith(".key") ? "0600" : "0644",
                "contentFrom", Map.of("secret", orderedOf("name", extraTlsSecretName(cluster), "key", key)))));
        files.add(orderedOf("path", KUBE_VIP_MANIFEST, "owner", "root:root", "permissions", "0644",
                "content", kubeVipManifest(endpoint)));
        Map<String, Object> config = new LinkedHashMap<>();
        List<String> tlsSan = new ArrayList<>(List.of(endpoint));
        dnsName.ifPresent(tlsSan::add);
        config.put("serverConfig", Map.of("tlsSan", tlsSan));
        config.put("files", files);
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("replicas", 1);
        spec.put("version", k3sVersion);
        // The K3s provider's machine template reference is a core ObjectReference: apiVersion, not apiGroup.
        spec.put("machineTemplate", Map.of("infrastructureRef", orderedOf(
                "apiVersion", CapiKinds.apiVersion(CapiKinds.PROXMOX_MACHINE_TEMPLATE),
                "kind", CapiKinds.PROXMOX_MACHINE_TEMPLATE.getKind(),
                "name", controlPlaneName(cluster),
                "namespace", ns)));
        spec.put("kthreesConfigSpec", config);
        return object(CapiKinds.K3S_CONTROL_PLANE, controlPlaneName(cluster), ns, labels, spec);
    }

    /** A static pod K3s starts from its pod-manifests directory: kube-vip answering ARP for the endpoint (control-plane mode). */
    String kubeVipManifest(String endpoint) {
        Pod pod = new PodBuilder()
                .withNewMetadata().withName("kube-vip").withNamespace("kube-system").endMetadata()
                .withNewSpec()
                .withHostNetwork(true)
                .addNewHostAlias().withIp("127.0.0.1").withHostnames("kubernetes").endHostAlias()
                .addNewContainer().withName("kube-vip").withImage(settings.kubeVipImage()).withImagePullPolicy("IfNotPresent")
                .withArgs("manager")
                .addNewEnv().withName("vip_arp").withValue("true").endEnv()
                .addNewEnv().withName("port").withValue(String.valueOf(settings.apiPort())).endEnv()
                .addNewEnv().withName("vip_interface").withValue(settings.kubeVipInterface()).endEnv()
                .addNewEnv().withName("vip_cidr").withValue("32").endEnv()
                .addNewEnv().withName("cp_enable").withValue("true").endEnv()
                .addNewEnv().withName("cp_namespace").withValue("kube-system").endEnv()
                .addNewEnv().withName("vip_leaderelection").withValue("true").endEnv()
                .addNewEnv().withName("address").withValue(endpoint).endEnv()
                .withNewSecurityContext().withNewCapabilities().withAdd("NET_ADMIN", "NET_RAW").endCapabilities().endSecurityContext()
                .addNewVolumeMount().withName("kubeconfig").withMountPath("/etc/kubernetes/admin.conf").endVolumeMount()
                .endContainer()
                .addNewVolume().withName("kubeconfig").withNewHostPath().withPath("/etc/rancher/k3s/k3s.yaml").withType("File").endHostPath()
                .endVolume()
                .endSpec().build();
        return SERIALIZATION.asYaml(pod);
    }

    @SuppressWarnings("unchecked")
    private static <V> Map<String, V> orderedOf(Object... kv) {
        Map<String, V> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (V) kv[i + 1]);
        }
        return m;
    }
}
