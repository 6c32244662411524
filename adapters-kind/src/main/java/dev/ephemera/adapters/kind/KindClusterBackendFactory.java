package dev.ephemera.adapters.kind;

import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.util.List;
import java.util.Map;

/**
 * Makes the {@code kind} backend from the {@code kind:} section. It finds the kind CLI and asks the
 * Docker engine for its version first, so a missing kind is exit 10 and a missing engine exit 7, at
 * once and before anything is recorded.
 */
public final class KindClusterBackendFactory implements ClusterBackendFactory {
    @Override
    public String name() {
        return KindClusterBackend.NAME;
    }

    @Override
    public String description() {
        return "local clusters made by the kind CLI (kubeadm in Docker), with Ephemera's CAs handed to kubeadm";
    }

    @Override
    public List<SettingSpec> settings() {
        return KindSettings.specs();
    }

    @Override
    public ClusterBackend create(Settings settings) {
        return create(settings, System.getenv());
    }

    ClusterBackend create(Settings settings, Map<String, String> env) {
        KindSettings s = KindSettings.from(settings.validate(settings()), env);
        KindCli kind = KindCli.find(s.binary(), s.docker().host(), env);
        DockerEngine engine = DockerEngine.connect(s.docker());
        try {
            engine.version();
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        return new KindClusterBackend(s, kind, engine);
    }
}
