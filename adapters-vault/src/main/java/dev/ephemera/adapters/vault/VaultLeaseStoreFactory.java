package dev.ephemera.adapters.vault;

import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.ports.lease.LeaseStoreFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.util.List;

/** Makes a {@link VaultLeaseStore} from the {@code vault:} section; logs in and checks the mount is KV version 2 at start. */
public final class VaultLeaseStoreFactory implements LeaseStoreFactory {
    @Override
    public String name() {
        return "vault";
    }

    @Override
    public String description() {
        return "IP pools in Vault KV version 2, allocated with check-and-set";
    }

    @Override
    public List<SettingSpec> settings() {
        return VaultSettings.SPECS;
    }

    @Override
    public LeaseStore create(Settings settings) {
        settings.validate(settings());
        return new VaultLeaseStore(VaultClient.connect(VaultSettings.from(settings)));
    }
}
