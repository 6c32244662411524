package dev.ephemera.adapters.kubernetes.state;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.AdapterFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What every factory of the {@code kubernetes:} section shares: the name {@code kubernetes}, the
 * section's common settings ({@link StoreSettings#SPECS}) plus the factory's own, and the client
 * configuration from the process environment ({@code KUBECONFIG}, the in-cluster variables), or a
 * ready one from a test. A subclass validates its own settings before it builds the client.
 */
public abstract class KubernetesFactory<T> implements AdapterFactory<T> {
    private final Map<String, String> env;
    private final List<SettingSpec> settings;

    protected KubernetesFactory(Map<String, String> env, List<SettingSpec> own) {
        this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
        List<SettingSpec> all = new ArrayList<>(StoreSettings.SPECS);
        all.addAll(own);
        this.settings = List.copyOf(all);
    }

    /** The environment the factory was made with (the process's, for the ServiceLoader's constructor). */
    protected final Map<String, String> env() {
        return env;
    }

    @Override
    public final String name() {
        return "kubernetes";
    }

    @Override
    public final List<SettingSpec> settings() {
        return settings;
    }

    @Override
    public final T create(Settings settings) {
        settings.validate(settings());
        return create(settings, StoreSettings.from(settings).clientConfig(env));
    }

    /** With a ready client configuration (tests point it at a mock API server). */
    public final T create(Settings settings, Config config) {
        settings.validate(settings());
        return make(settings, StoreSettings.from(settings), config);
    }

    /** The adapter, from validated settings; builds its client with {@link #client} once its own settings are checked. */
    protected abstract T make(Settings settings, StoreSettings store, Config config);

    protected static KubernetesClient client(Config config) {
        try {
            return new KubernetesClientBuilder().withConfig(config).build();
        } catch (RuntimeException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "cannot build a Kubernetes client: " + e.getMessage(), e);
        }
    }
}
