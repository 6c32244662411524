package dev.ephemera.adapters.kubernetes.state;

import dev.ephemera.ports.spi.Settings;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.ports.state.ClusterRepositoryFactory;
import io.fabric8.kubernetes.client.Config;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/** Makes the {@code state: kubernetes} repository from the {@code kubernetes:} section. */
public final class KubernetesClusterRepositoryFactory extends KubernetesFactory<ClusterRepository> implements ClusterRepositoryFactory {
    /** The ServiceLoader's constructor: reads {@code KUBECONFIG} and the in-cluster variables from the process environment. */
    public KubernetesClusterRepositoryFactory() {
        this(System.getenv());
    }

    public KubernetesClusterRepositoryFactory(Map<String, String> env) {
        super(env, List.of());
    }

    @Override
    public String description() {
        return "Cluster records as ConfigMaps and credentials as Secrets in one namespace of a Kubernetes API, "
                + "compare-and-set on resourceVersion (fabric8)";
    }

    @Override
    protected ClusterRepository make(Settings settings, StoreSettings s, Config config) {
        return new KubernetesClusterRepository(client(config), s.namespace(), s.installation(), true, Clock.systemUTC());
    }
}
