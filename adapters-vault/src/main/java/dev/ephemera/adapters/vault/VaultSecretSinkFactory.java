package dev.ephemera.adapters.vault;

import dev.ephemera.ports.secret.SecretSink;
import dev.ephemera.ports.secret.SecretSinkFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.util.List;

/** Makes a {@link VaultSecretSink} from the {@code vault:} section; logs in and checks the mount is KV version 2 at start. */
public final class VaultSecretSinkFactory implements SecretSinkFactory {
    @Override
    public String name() {
        return "vault";
    }

    @Override
    public String description() {
        return "kubeconfigs in Vault KV version 2, one key per cluster at vault.secret-path";
    }

    @Override
    public List<SettingSpec> settings() {
        return VaultSettings.SPECS;
    }

    @Override
    public SecretSink create(Settings settings) {
        settings.validate(settings());
        return new VaultSecretSink(VaultClient.connect(VaultSettings.from(settings)));
    }
}
