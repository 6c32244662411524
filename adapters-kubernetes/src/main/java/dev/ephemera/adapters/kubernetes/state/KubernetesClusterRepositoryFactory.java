package dev.ephemera.adapters.kubernetes.state;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.ports.state.ClusterRepositoryFactory;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Makes the {@code state: kubernetes} repository from the {@code kubernetes:} section. */
public final class KubernetesClusterRepositoryFactory implements ClusterRepositoryFactory {
    private final Map<String, String> env;

    /** The ServiceLoader's constructor: reads {@code KUBECONFIG} and the in-cluster variables from the process environment. */
    public KubernetesClusterRepositoryFactory() {
        this(System.getenv());
    }

    public KubernetesClusterRepositoryFactory(Map<String, String> env) {
        this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
    }

    @Override
    public String name() {
        return "kubernetes";
    }

    @Override
    public String description() {
        return "Cluster records as ConfigMaps and credentials as Secrets in one namespace of a Kubernetes API, "
                + "compare-and-set on resourceVersion (fabric8)";
    }

    @Override
    public List<SettingSpec> settings() {
        return StoreSettings.SPECS;
    }

    @Override
    public ClusterRepository create(Settings settings) {
        settings.validate(settings());
        StoreSettings s = StoreSettings.from(settings);
        return create(s, client(s.clientConfig(env)), true);
    }

    /** With a ready client configuration (tests point it at a mock API server). */
    public ClusterRepository create(Settings settings, Config config) {
        settings.validate(settings());
        return create(StoreSettings.from(settings), client(config), true);
    }

    private static ClusterRepository create(StoreSettings s, KubernetesClient client, boolean owns) {
        return new KubernetesClusterRepository(client, s.namespace(), s.installation(), owns, Clock.systemUTC());
    }

    public static KubernetesClient client(Config config) {
        try {
            return new KubernetesClientBuilder().withConfig(config).build();
        } catch (RuntimeException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "cannot build a Kubernetes client: " + e.getMessage(), e);
        }
    }
}
