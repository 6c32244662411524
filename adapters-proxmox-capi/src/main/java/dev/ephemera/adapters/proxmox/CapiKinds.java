package dev.ephemera.adapters.proxmox;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;

/** The Cluster API kinds this backend makes, at the versions the providers serve (CAPI v1.14, cluster-api-k3s v0.3.1, CAPMOX v0.9). */
final class CapiKinds {
    static final String CAPI_GROUP = "cluster.x-k8s.io";
    static final String CONTROL_PLANE_GROUP = "controlplane.cluster.x-k8s.io";
    static final String BOOTSTRAP_GROUP = "bootstrap.cluster.x-k8s.io";
    static final String INFRASTRUCTURE_GROUP = "infrastructure.cluster.x-k8s.io";

    static final ResourceDefinitionContext CLUSTER = kind(CAPI_GROUP, "v1beta2", "Cluster", "clusters");
    static final ResourceDefinitionContext K3S_CONTROL_PLANE = kind(CONTROL_PLANE_GROUP, "v1beta2", "KThreesControlPlane", "kthreescontrolplanes");
    static final ResourceDefinitionContext K3S_CONFIG_TEMPLATE = kind(BOOTSTRAP_GROUP, "v1beta2", "KThreesConfigTemplate", "kthreesconfigtemplates");
    static final ResourceDefinitionContext PROXMOX_CLUSTER = kind(INFRASTRUCTURE_GROUP, "v1alpha2", "ProxmoxCluster", "proxmoxclusters");
    static final ResourceDefinitionContext PROXMOX_MACHINE_TEMPLATE = kind(INFRASTRUCTURE_GROUP, "v1alpha2", "ProxmoxMachineTemplate",
            "proxmoxmachinetemplates");

    /** Every custom kind we create, the Cluster last: deleting runs the other way. */
    static final List<ResourceDefinitionContext> ALL = List.of(PROXMOX_MACHINE_TEMPLATE, K3S_CONFIG_TEMPLATE, PROXMOX_CLUSTER,
            K3S_CONTROL_PLANE, CLUSTER);
    static final List<ResourceDefinitionContext> DELETE_ORDER = List.of(CLUSTER, K3S_CONTROL_PLANE, PROXMOX_CLUSTER,
            K3S_CONFIG_TEMPLATE, PROXMOX_MACHINE_TEMPLATE);

    private CapiKinds() {
    }

    private static ResourceDefinitionContext kind(String group, String version, String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind).withPlural(plural)
                .withNamespaced(true).build();
    }

    static String apiVersion(ResourceDefinitionContext k) {
        return k.getGroup() + "/" + k.getVersion();
    }
}
