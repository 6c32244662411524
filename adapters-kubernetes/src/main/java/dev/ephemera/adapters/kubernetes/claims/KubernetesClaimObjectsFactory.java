package dev.ephemera.adapters.kubernetes.claims;

import dev.ephemera.adapters.kubernetes.state.KubernetesFactory;
import dev.ephemera.adapters.kubernetes.state.StoreSettings;
import dev.ephemera.ports.claims.ClaimObjects;
import dev.ephemera.ports.claims.ClaimObjectsFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import io.fabric8.kubernetes.client.Config;
import java.util.List;
import java.util.Map;

/** Makes {@code server.claims: kubernetes}: EphemeralCluster objects, from the {@code kubernetes:} section. */
public final class KubernetesClaimObjectsFactory extends KubernetesFactory<ClaimObjects> implements ClaimObjectsFactory {
    static final SettingSpec NAMESPACES = SettingSpec.optional("claim-namespaces",
            "Namespaces whose EphemeralCluster objects are claims (a list); default: every namespace", null);

    /** The ServiceLoader's constructor: reads {@code KUBECONFIG} and the in-cluster variables from the process environment. */
    public KubernetesClaimObjectsFactory() {
        this(System.getenv());
    }

    public KubernetesClaimObjectsFactory(Map<String, String> env) {
        super(env, List.of(NAMESPACES));
    }

    @Override
    public String description() {
        return "claims as EphemeralCluster objects (ephemera.dev/v1alpha1) watched with fabric8 informers";
    }

    @Override
    protected ClaimObjects make(Settings settings, StoreSettings store, Config config) {
        List<String> namespaces = settings.list(NAMESPACES.key()).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        return new KubernetesClaimObjects(client(config), namespaces, true);
    }
}
