package dev.ephemera.adapters.kubernetes.leader;

import dev.ephemera.adapters.kubernetes.state.KubernetesFactory;
import dev.ephemera.adapters.kubernetes.state.StoreSettings;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.leadership.Leadership;
import dev.ephemera.ports.leadership.LeadershipFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import io.fabric8.kubernetes.client.Config;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Makes {@code server.leadership: kubernetes}: a Lease {@code <installation>-leader} in {@code store-namespace}. */
public final class KubernetesLeadershipFactory extends KubernetesFactory<Leadership> implements LeadershipFactory {
    public static final Duration DEFAULT_LEASE_DURATION = Duration.ofSeconds(15);
    static final SettingSpec LEASE_DURATION = SettingSpec.optional("lease-duration",
            "How soon another replica leads after the leader dies (the Lease itself holds a little less, so the other's last look lands within it)", "15s");
    static final SettingSpec IDENTITY = SettingSpec.optional("identity",
            "This process's name in the Lease; default $POD_NAME or $HOSTNAME, with a random suffix", null);

    /** The ServiceLoader's constructor: reads {@code KUBECONFIG}, {@code POD_NAME}, {@code HOSTNAME} from the process environment. */
    public KubernetesLeadershipFactory() {
        this(System.getenv());
    }

    public KubernetesLeadershipFactory(Map<String, String> env) {
        super(env, List.of(LEASE_DURATION, IDENTITY));
    }

    @Override
    public String description() {
        return "leader election with a coordination.k8s.io/v1 Lease (fabric8 LeaderElector)";
    }

    @Override
    protected Leadership make(Settings settings, StoreSettings s, Config config) {
        Duration lease = settings.duration(LEASE_DURATION.key(), DEFAULT_LEASE_DURATION);
        if (lease.compareTo(Duration.ofSeconds(2)) < 0) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "kubernetes.lease-duration must be at least 2s, got " + lease);
        }
        Map<String, String> env = env();
        String who = settings.string(IDENTITY.key()).filter(v -> !v.isBlank())
                .orElseGet(() -> env.getOrDefault("POD_NAME", env.getOrDefault("HOSTNAME", "ephemera")) + "-"
                        + UUID.randomUUID().toString().substring(0, 8));
        return new KubernetesLeadership(client(config), s.namespace(), s.installation() + "-leader", who, lease, true);
    }
}
