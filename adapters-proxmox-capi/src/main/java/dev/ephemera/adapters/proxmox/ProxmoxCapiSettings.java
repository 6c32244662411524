package dev.ephemera.adapters.proxmox;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.lease.Ipv4Address;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code proxmox-capi:} section of {@code ephemera.yaml}: how to reach the Cluster API
 * management cluster, and what every workload cluster is made of there (seed 003's defaults).
 *
 * @param kubeconfig     kubeconfig file of the management cluster, if not in-cluster
 * @param context        context of that kubeconfig, if not its current one
 * @param inCluster      use the pod's service account (Ephemera runs in the management cluster)
 * @param namespace      namespace of a cluster's objects; {@code {id}} in it makes one namespace per cluster
 * @param nodeAddresses  CAPMOX {@code ipv4Config.addresses}: ranges ({@code A-B}), CIDRs or single
 *                       addresses for the VMs' own IPs; the leased endpoint must lie outside them
 */
public record ProxmoxCapiSettings(Optional<String> kubeconfig, Optional<String> context, boolean inCluster, String namespace,
                                  String installation, String sourceNode, Optional<Integer> templateId, List<String> templateTags,
                                  Optional<String> storage, int sockets, int cores, int memoryMiB, int diskGb, String bootDisk,
                                  String bridge, String gateway, int prefix, List<String> dnsServers, List<String> nodeAddresses,
                                  Optional<String> credentialsSecret, List<String> allowedNodes, String leasePool, String k3sVersion,
                                  String kubeVipImage, String kubeVipInterface, int apiPort, Duration destroyTimeout) {
    public static final String SECTION = "proxmox-capi";
    public static final String DEFAULT_K3S_VERSION = "v1.30.6+k3s1";
    /** Pinned: a tag that moves would change every new cluster's control plane under us. */
    public static final String DEFAULT_KUBE_VIP_IMAGE = "ghcr.io/kube-vip/kube-vip:v0.8.7";
    public static final String PER_CLUSTER = "ephemera-{id}";
    private static final Pattern K3S_VERSION = Pattern.compile("v\\d+\\.\\d+\\.\\d+(-rc\\d+)?\\+k3s\\d+");
    private static final Pattern LABEL_VALUE = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern IMAGE = Pattern.compile("[^\\s:@]+(:[\\w][\\w.-]{0,127})?(@sha256:[0-9a-f]{64})?");

    public ProxmoxCapiSettings {
        templateTags = List.copyOf(templateTags);
        dnsServers = List.copyOf(dnsServers);
        nodeAddresses = List.copyOf(nodeAddresses);
        allowedNodes = List.copyOf(allowedNodes);
        if (inCluster && kubeconfig.isPresent()) {
            throw config("set either " + q("kubeconfig") + " or " + q("in-cluster") + ": true, not both");
        }
        String probe = namespace.replace("{id}", "x".repeat(40));
        if (probe.length() > 63 || !DNS_LABEL.matcher(probe).matches()) {
            throw config(q("namespace") + " '" + namespace + "' must be a DNS label (lower case, digits, '-'), "
                    + "short enough to hold a 40-character cluster id in place of {id}; e.g. " + PER_CLUSTER + " or capi-clusters");
        }
        if (!LABEL_VALUE.matcher(installation).matches()) {
            throw config(q("installation") + " '" + installation + "' must be a Kubernetes label value (at most 63 letters, digits, '-', '_', '.')");
        }
        if (sourceNode.isBlank()) {
            throw config("missing required setting " + q("source-node") + ": the Proxmox node that holds the VM template");
        }
        if (templateId.isPresent() == !templateTags.isEmpty()) {
            throw config("set exactly one of " + q("template-id") + " (the VM template's id on " + q("source-node")
                    + ") or " + q("template-tags") + " (tags that select the template)");
        }
        if (templateId.isPresent() && templateId.get() < 100) {
            throw config(q("template-id") + " must be a Proxmox VM id (100 or more), got " + templateId.get());
        }
        positive("cpu-sockets", sockets);
        positive("cpu-cores", cores);
        positive("memory-mib", memoryMiB);
        if (diskGb < 5) {
            throw config(q("disk-gb") + " must be at least 5 (CAPMOX's minimum), got " + diskGb);
        }
        if (bridge.isBlank() || bootDisk.isBlank()) {
            throw config(q("bridge") + " and " + q("boot-disk") + " must not be empty");
        }
        if (!Ipv4Address.isValid(gateway)) {
            throw config(q("gateway") + " must be an IPv4 address, got '" + gateway + "'");
        }
        if (prefix < 1 || prefix > 32) {
            throw config(q("prefix") + " must be 1-32 (the IPv4 network's prefix length), got " + prefix);
        }
        if (dnsServers.isEmpty()) {
            throw config("missing required setting " + q("dns-servers") + ": CAPMOX requires at least one DNS server for the VMs");
        }
        for (String d : dnsServers) {
            if (!Ipv4Address.isValid(d)) {
                throw config(q("dns-servers") + " holds '" + d + "', which is not an IPv4 address");
            }
        }
        if (nodeAddresses.isEmpty()) {
            throw config("missing required setting " + q("node-addresses") + ": the VMs' own addresses, e.g. 192.168.1.150-192.168.1.159");
        }
        for (String a : nodeAddresses) {
            AddressRanges.parse(a, q("node-addresses"));
        }
        if (!LABEL_VALUE.matcher(leasePool).matches()) {
            throw config(q("lease-pool") + " '" + leasePool + "' is not a pool name");
        }
        if (!K3S_VERSION.matcher(k3sVersion).matches()) {
            throw config(q("k3s-version") + " '" + k3sVersion + "' is not a pinned K3s release: use a full version such as "
                    + DEFAULT_K3S_VERSION);
        }
        if (!IMAGE.matcher(kubeVipImage).matches() || !(kubeVipImage.contains("@sha256:") || kubeVipImage.lastIndexOf(':') > kubeVipImage.lastIndexOf('/'))
                || kubeVipImage.endsWith(":latest")) {
            throw config(q("kube-vip-image") + " '" + kubeVipImage + "' must be pinned by a version tag or digest (not :latest), e.g. "
                    + DEFAULT_KUBE_VIP_IMAGE);
        }
        if (kubeVipInterface.isBlank()) {
            throw config(q("kube-vip-interface") + " must name the VMs' network interface, e.g. eth0");
        }
        if (apiPort < 1 || apiPort > 65535) {
            throw config(q("api-port") + " must be between 1 and 65535, got " + apiPort);
        }
        if (destroyTimeout.isNegative() || destroyTimeout.isZero()) {
            throw config(q("destroy-timeout") + " must be positive");
        }
    }

    public static List<SettingSpec> specs() {
        return List.of(
                SettingSpec.optional("kubeconfig", "kubeconfig file of the Cluster API management cluster; absent: $KUBECONFIG or ~/.kube/config", null),
                SettingSpec.optional("context", "context of that kubeconfig to use; absent: its current context", null),
                SettingSpec.optional("in-cluster", "use the pod's service account (Ephemera runs inside the management cluster)", "false"),
                SettingSpec.optional("namespace", "namespace of each cluster's objects; {id} in it gives one namespace per cluster, "
                        + "created and deleted with it; without {id} one existing namespace holds all", PER_CLUSTER),
                SettingSpec.optional("installation", "value of the ephemera.dev/installation label on everything made", "default"),
                SettingSpec.required("source-node", "Proxmox node holding the VM template (ProxmoxMachineTemplate sourceNode)"),
                SettingSpec.optional("template-id", "VM id of the Proxmox template to clone (or template-tags)", null),
                SettingSpec.optional("template-tags", "tags selecting the Proxmox template (templateSelector.matchTags; or template-id)", null),
                SettingSpec.optional("storage", "Proxmox storage for the full clone; absent: the template's storage", null),
                SettingSpec.optional("cpu-sockets", "CPU sockets per VM", "1"),
                SettingSpec.optional("cpu-cores", "CPU cores per socket", "4"),
                SettingSpec.optional("memory-mib", "memory per VM in MiB", "8192"),
                SettingSpec.optional("disk-gb", "boot disk size in GB (at least 5)", "20"),
                SettingSpec.optional("boot-disk", "boot volume device of the template", "scsi0"),
                SettingSpec.optional("bridge", "Proxmox bridge of the VMs' network device", "vmbr0"),
                SettingSpec.required("gateway", "IPv4 gateway of the VMs' network"),
                SettingSpec.required("prefix", "prefix length of the VMs' network, e.g. 24"),
                SettingSpec.required("dns-servers", "DNS servers of the VMs (list)"),
                SettingSpec.required("node-addresses", "VM addresses CAPMOX assigns (list of A-B ranges, CIDRs or addresses); the "
                        + "control-plane endpoint is leased from lease-pool and must lie outside them"),
                SettingSpec.optional("credentials-secret", "Secret in the cluster's namespace with Proxmox credentials "
                        + "(ProxmoxCluster credentialsRef); absent: the provider's global credentials from clusterctl init", null),
                SettingSpec.optional("allowed-nodes", "Proxmox nodes VMs may be placed on (list); absent: the source node", null),
                SettingSpec.required("lease-pool", "IP pool (ephemera pool create) each cluster's control-plane endpoint is leased from"),
                SettingSpec.optional("k3s-version", "pinned K3s release (KThreesControlPlane spec.version); a cluster's "
                        + "--kubernetes-version overrides it", DEFAULT_K3S_VERSION),
                SettingSpec.optional("kube-vip-image", "kube-vip image announcing the endpoint, pinned by tag or digest", DEFAULT_KUBE_VIP_IMAGE),
                SettingSpec.optional("kube-vip-interface", "network interface inside the VMs kube-vip announces the endpoint on", "eth0"),
                SettingSpec.optional("api-port", "port of the control-plane endpoint", "6443"),
                SettingSpec.optional("destroy-timeout", "longest wait for the Cluster's finalizers on delete", "10m"));
    }

    public static ProxmoxCapiSettings from(Settings s) {
        s.validate(specs());
        Optional<Integer> templateId = s.string("template-id").isPresent() ? Optional.of(s.integer("template-id", 0)) : Optional.empty();
        return new ProxmoxCapiSettings(s.string("kubeconfig").filter(v -> !v.isBlank()), s.string("context").filter(v -> !v.isBlank()),
                s.bool("in-cluster", false), s.string("namespace", PER_CLUSTER), s.string("installation", "default"),
                s.require("source-node"), templateId, s.list("template-tags"), s.string("storage").filter(v -> !v.isBlank()),
                s.integer("cpu-sockets", 1), s.integer("cpu-cores", 4), s.integer("memory-mib", 8192), s.integer("disk-gb", 20),
                s.string("boot-disk", "scsi0"), s.string("bridge", "vmbr0"), s.require("gateway"), s.integer("prefix", 0),
                s.list("dns-servers"), s.list("node-addresses"), s.string("credentials-secret").filter(v -> !v.isBlank()),
                s.list("allowed-nodes"), s.require("lease-pool"), s.string("k3s-version", DEFAULT_K3S_VERSION),
                s.string("kube-vip-image", DEFAULT_KUBE_VIP_IMAGE), s.string("kube-vip-interface", "eth0"), s.integer("api-port", 6443),
                s.duration("destroy-timeout", Duration.ofMinutes(10)));
    }

    /** Whether each cluster gets a namespace of its own, made and removed with it. */
    public boolean namespacePerCluster() {
        return namespace.contains("{id}");
    }

    public String namespaceOf(String clusterId) {
        return namespace.replace("{id}", clusterId);
    }

    private static void positive(String key, int v) {
        if (v < 1) {
            throw config(q(key) + " must be at least 1, got " + v);
        }
    }

    private static String q(String key) {
        return SECTION + "." + key;
    }

    private static EphemeraException config(String message) {
        return new EphemeraException(ErrorCode.CONFIGURATION, message);
    }
}
