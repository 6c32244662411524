package dev.ephemera.adapters.kubernetes.leader;

import dev.ephemera.adapters.kubernetes.state.KubernetesClusterRepositoryFactory;
import dev.ephemera.adapters.kubernetes.state.StoreSettings;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.leadership.Leadership;
import dev.ephemera.ports.leadership.LeadershipFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import io.fabric8.kubernetes.client.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/** Makes {@code server.leadership: kubernetes}: a Lease {@code <installation>-leader} in {@code store-namespace}. */
public final class KubernetesLeadershipFactory implements LeadershipFactory {
    public static final Duration DEFAULT_LEASE_DURATION = Duration.ofSeconds(15);
    static final SettingSpec LEASE_DURATION = SettingSpec.optional("lease-duration",
            "How soon another replica leads after the leader dies (the Lease itself holds a little less, so the other's last look lands within it)", "15s");
    static final SettingSpec IDENTITY = SettingSpec.optional("identity",
            "This process's name in the Lease; default $POD_NAME or $HOSTNAME, with a random suffix", null);

    private final Map<String, String> env;

    /** The ServiceLoader's constructor: reads {@code KUBECONFIG}, {@code POD_NAME}, {@code HOSTNAME} from the process environment. */
    public KubernetesLeadershipFactory() {
        this(System.getenv());
    }

    public KubernetesLeadershipFactory(Map<String, String> env) {
        this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
    }

    @Override
    public String name() {
        return "kubernetes";
    }

    @Override
    public String description() {
        return "leader election with a coordination.k8s.io/v1 Lease (fabric8 LeaderElector)";
    }

    @Override
    public List<SettingSpec> settings() {
        List<SettingSpec> all = new ArrayList<>(StoreSettings.SPECS);
        all.add(LEASE_DURATION);
        all.add(IDENTITY);
        return List.copyOf(all);
    }

    @Override
    public Leadership create(Settings settings) {
        settings.validate(settings());
        return create(settings, StoreSettings.from(settings).clientConfig(env));
    }

    /** With a ready client configuration (tests point it at a mock API server). */
    public Leadership create(Settings settings, Config config) {
        settings.validate(settings());
        StoreSettings s = StoreSettings.from(settings);
        Duration lease = settings.duration(LEASE_DURATION.key(), DEFAULT_LEASE_DURATION);
        if (lease.compareTo(Duration.ofSeconds(2)) < 0) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "kubernetes.lease-duration must be at least 2s, got " + lease);
        }
        String who = settings.string(IDENTITY.key()).filter(v -> !v.isBlank())
                .orElseGet(() -> env.getOrDefault("POD_NAME", env.getOrDefault("HOSTNAME", "ephemera")) + "-"
                        + UUID.randomUUID().toString().substring(0, 8));
        return new KubernetesLeadership(KubernetesClusterRepositoryFactory.client(config), s.namespace(), s.installation() + "-leader", who,
                lease, true);
    }
}
