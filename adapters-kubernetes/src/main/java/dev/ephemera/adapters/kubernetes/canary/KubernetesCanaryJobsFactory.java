package dev.ephemera.adapters.kubernetes.canary;

import dev.ephemera.adapters.kubernetes.client.ClientConfigs;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.canary.CanaryJobs;
import dev.ephemera.ports.canary.CanaryJobsFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Makes {@link KubernetesCanaryJobs} from the {@code kubernetes:} section. */
public final class KubernetesCanaryJobsFactory implements CanaryJobsFactory {
    private final Map<String, String> env;

    /** The ServiceLoader's constructor: reads seed 001's {@code USE_IN_CLUSTER} and {@code KUBECONFIG} from the process environment. */
    public KubernetesCanaryJobsFactory() {
        this(System.getenv());
    }

    public KubernetesCanaryJobsFactory(Map<String, String> env) {
        this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
    }

    @Override
    public String name() {
        return "kubernetes";
    }

    @Override
    public String description() {
        return "E2ESpecs and canary test Jobs on a Kubernetes API (fabric8), watched through shared informers";
    }

    @Override
    public List<SettingSpec> settings() {
        return CanaryJobsSettings.SPECS;
    }

    @Override
    public CanaryJobs create(Settings settings) {
        settings.validate(settings());
        CanaryJobsSettings s = CanaryJobsSettings.from(settings, env);
        Config config = ClientConfigs.of("kubernetes", s.kubeconfig(), s.context(), s.inCluster(), env);
        return create(s, config);
    }

    /** With a ready client configuration (tests point it at a mock API server). */
    public CanaryJobs create(Settings settings, Config config) {
        settings.validate(settings());
        return create(CanaryJobsSettings.from(settings, env), config);
    }

    private static CanaryJobs create(CanaryJobsSettings s, Config config) {
        KubernetesClient client;
        try {
            client = new KubernetesClientBuilder().withConfig(config).build();
        } catch (RuntimeException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "cannot build a Kubernetes client: " + e.getMessage(), e);
        }
        return new KubernetesCanaryJobs(client, s).start();
    }
}
