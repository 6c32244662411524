package dev.ephemera.adapters.hetzner;

import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.util.List;

/** Makes the {@code hetzner} backend from the {@code hetzner:} configuration section. */
public final class HetznerClusterBackendFactory implements ClusterBackendFactory {
    @Override
    public String name() {
        return HetznerClusterBackend.NAME;
    }

    @Override
    public String description() {
        return "Hetzner Cloud servers running a pinned K3s, booted by cloud-init with Ephemera's PKI (no SSH)";
    }

    @Override
    public List<SettingSpec> settings() {
        return HetznerSettings.specs();
    }

    @Override
    public ClusterBackend create(Settings settings) {
        return new HetznerClusterBackend(HetznerSettings.from(settings.validate(settings())));
    }
}
