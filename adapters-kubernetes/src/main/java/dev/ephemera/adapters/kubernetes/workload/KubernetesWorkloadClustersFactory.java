package dev.ephemera.adapters.kubernetes.workload;

import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.ports.workload.WorkloadClusters;
import dev.ephemera.ports.workload.WorkloadClustersFactory;
import java.util.List;

/** Makes {@link KubernetesWorkloadClusters} from the {@code kubernetes:} section. */
public final class KubernetesWorkloadClustersFactory implements WorkloadClustersFactory {
    @Override
    public String name() {
        return "kubernetes";
    }

    @Override
    public String description() {
        return "New clusters' API servers through fabric8: /readyz with the admin client certificate, and seed 000's CI account "
                + "(namespace, ServiceAccount, ClusterRoleBinding, token Secret)";
    }

    @Override
    public List<SettingSpec> settings() {
        return WorkloadSettings.SPECS;
    }

    @Override
    public WorkloadClusters create(Settings settings) {
        settings.validate(settings());
        return new KubernetesWorkloadClusters(WorkloadSettings.from(settings));
    }
}
