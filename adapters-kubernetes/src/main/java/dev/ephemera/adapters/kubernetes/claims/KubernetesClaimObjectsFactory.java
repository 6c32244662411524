package dev.ephemera.adapters.kubernetes.claims;

import dev.ephemera.adapters.kubernetes.state.KubernetesClusterRepositoryFactory;
import dev.ephemera.adapters.kubernetes.state.StoreSettings;
import dev.ephemera.ports.claims.ClaimObjects;
import dev.ephemera.ports.claims.ClaimObjectsFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import io.fabric8.kubernetes.client.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Makes {@code server.claims: kubernetes}: EphemeralCluster objects, from the {@code kubernetes:} section. */
public final class KubernetesClaimObjectsFactory implements ClaimObjectsFactory {
    static final SettingSpec NAMESPACES = SettingSpec.optional("claim-namespaces",
            "Namespaces whose EphemeralCluster objects are claims (a list); default: every namespace", null);

    private final Map<String, String> env;

    /** The ServiceLoader's constructor: reads {@code KUBECONFIG} and the in-cluster variables from the process environment. */
    public KubernetesClaimObjectsFactory() {
        this(System.getenv());
    }

    public KubernetesClaimObjectsFactory(Map<String, String> env) {
        this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
    }

    @Override
    public String name() {
        return "kubernetes";
    }

    @Override
    public String description() {
        return "claims as EphemeralCluster objects (ephemera.dev/v1alpha1) watched with fabric8 informers";
    }

    @Override
    public List<SettingSpec> settings() {
        List<SettingSpec> all = new ArrayList<>(StoreSettings.SPECS);
        all.add(NAMESPACES);
        return List.copyOf(all);
    }

    @Override
    public ClaimObjects create(Settings settings) {
        settings.validate(settings());
        return create(settings, StoreSettings.from(settings).clientConfig(env));
    }

    /** With a ready client configuration (tests point it at a mock API server). */
    public ClaimObjects create(Settings settings, Config config) {
        settings.validate(settings());
        StoreSettings.from(settings); // the shared keys are checked as the stores check them
        List<String> namespaces = settings.list(NAMESPACES.key()).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        return new KubernetesClaimObjects(KubernetesClusterRepositoryFactory.client(config), namespaces, true);
    }
}
