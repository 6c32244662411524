package dev.ephemera.adapters.kubernetes.state;

import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.ports.lease.LeaseStoreFactory;
import dev.ephemera.ports.spi.Settings;
import io.fabric8.kubernetes.client.Config;
import java.util.List;
import java.util.Map;

/** Makes the {@code store: kubernetes} lease store from the {@code kubernetes:} section. */
public final class KubernetesLeaseStoreFactory extends KubernetesFactory<LeaseStore> implements LeaseStoreFactory {
    /** The ServiceLoader's constructor: reads {@code KUBECONFIG} and the in-cluster variables from the process environment. */
    public KubernetesLeaseStoreFactory() {
        this(System.getenv());
    }

    public KubernetesLeaseStoreFactory(Map<String, String> env) {
        super(env, List.of());
    }

    @Override
    public String description() {
        return "IP pools as ConfigMaps in one namespace of a Kubernetes API, compare-and-set on resourceVersion (fabric8)";
    }

    @Override
    protected LeaseStore make(Settings settings, StoreSettings s, Config config) {
        return new KubernetesLeaseStore(client(config), s.namespace(), s.installation(), true);
    }
}
