package dev.ephemera.adapters.kubernetes.state;

import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.ports.lease.LeaseStoreFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import io.fabric8.kubernetes.client.Config;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Makes the {@code store: kubernetes} lease store from the {@code kubernetes:} section. */
public final class KubernetesLeaseStoreFactory implements LeaseStoreFactory {
    private final Map<String, String> env;

    /** The ServiceLoader's constructor: reads {@code KUBECONFIG} and the in-cluster variables from the process environment. */
    public KubernetesLeaseStoreFactory() {
        this(System.getenv());
    }

    public KubernetesLeaseStoreFactory(Map<String, String> env) {
        this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
    }

    @Override
    public String name() {
        return "kubernetes";
    }

    @Override
    public String description() {
        return "IP pools as ConfigMaps in one namespace of a Kubernetes API, compare-and-set on resourceVersion (fabric8)";
    }

    @Override
    public List<SettingSpec> settings() {
        return StoreSettings.SPECS;
    }

    @Override
    public LeaseStore create(Settings settings) {
        settings.validate(settings());
        StoreSettings s = StoreSettings.from(settings);
        return new KubernetesLeaseStore(KubernetesClusterRepositoryFactory.client(s.clientConfig(env)), s.namespace(), s.installation(), true);
    }

    /** With a ready client configuration (tests point it at a mock API server). */
    public LeaseStore create(Settings settings, Config config) {
        settings.validate(settings());
        StoreSettings s = StoreSettings.from(settings);
        return new KubernetesLeaseStore(KubernetesClusterRepositoryFactory.client(config), s.namespace(), s.installation(), true);
    }
}
