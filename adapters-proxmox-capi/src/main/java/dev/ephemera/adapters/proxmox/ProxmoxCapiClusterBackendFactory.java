package dev.ephemera.adapters.proxmox;

import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.List;

/** Makes the {@code proxmox-capi} backend from the {@code proxmox-capi:} configuration section. */
public final class ProxmoxCapiClusterBackendFactory implements ClusterBackendFactory {
    @Override
    public String name() {
        return ProxmoxCapiClusterBackend.NAME;
    }

    @Override
    public String description() {
        return "Proxmox VMs through Cluster API (CAPMOX + K3s providers) on a management cluster, with Ephemera's CAs and a leased endpoint IP";
    }

    @Override
    public List<SettingSpec> settings() {
        return ProxmoxCapiSettings.specs();
    }

    @Override
    public ClusterBackend create(Settings settings) {
        ProxmoxCapiSettings s = ProxmoxCapiSettings.from(settings.validate(settings()));
        // Building the client connects nowhere; the first call does.
        return new ProxmoxCapiClusterBackend(s, new KubernetesClientBuilder().withConfig(ManagementClusterConfig.of(s, System.getenv())).build());
    }
}
