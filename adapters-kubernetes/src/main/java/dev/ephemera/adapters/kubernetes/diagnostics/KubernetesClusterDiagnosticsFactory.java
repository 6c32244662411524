package dev.ephemera.adapters.kubernetes.diagnostics;

import dev.ephemera.ports.diagnostics.ClusterDiagnostics;
import dev.ephemera.ports.diagnostics.ClusterDiagnosticsFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.util.List;

/** Makes {@link KubernetesClusterDiagnostics}; it reads no settings, as each collection brings its own kubeconfig and limits. */
public final class KubernetesClusterDiagnosticsFactory implements ClusterDiagnosticsFactory {
    @Override
    public String name() {
        return "kubernetes";
    }

    @Override
    public String description() {
        return "Resources, pod states, events and container logs of a cluster, read through its Kubernetes API (fabric8)";
    }

    @Override
    public List<SettingSpec> settings() {
        return List.of();
    }

    @Override
    public ClusterDiagnostics create(Settings settings) {
        settings.validate(settings());
        return new KubernetesClusterDiagnostics();
    }
}
