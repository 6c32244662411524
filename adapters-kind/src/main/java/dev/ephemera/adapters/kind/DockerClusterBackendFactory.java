package dev.ephemera.adapters.kind;

import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.util.List;

/**
 * Makes the {@code docker} backend from the {@code docker:} section. It asks the engine for its
 * version first, so with no engine reachable a command fails at once (exit 7) instead of waiting
 * out its timeout.
 */
public final class DockerClusterBackendFactory implements ClusterBackendFactory {
    @Override
    public String name() {
        return DockerClusterBackend.NAME;
    }

    @Override
    public String description() {
        return "local clusters: one K3s server per cluster in a Docker container, with Ephemera's PKI (the embedded default)";
    }

    @Override
    public List<SettingSpec> settings() {
        return DockerSettings.specs();
    }

    @Override
    public ClusterBackend create(Settings settings) {
        DockerSettings s = DockerSettings.from(settings.validate(settings()), System.getenv());
        DockerEngine engine = DockerEngine.connect(s);
        try {
            engine.version();
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        return new DockerClusterBackend(s, engine);
    }
}
