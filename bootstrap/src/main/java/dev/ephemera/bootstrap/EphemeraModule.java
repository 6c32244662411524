package dev.ephemera.bootstrap;

import com.google.inject.AbstractModule;
import com.google.inject.Provider;
import com.google.inject.Singleton;
import com.google.inject.TypeLiteral;
import dev.ephemera.application.ClusterDriver;
import dev.ephemera.application.ClusterEvents;
import dev.ephemera.application.ControlPlane;
import dev.ephemera.application.DriverSettings;
import dev.ephemera.application.canary.VerifierOptions;
import dev.ephemera.application.claims.ClaimObjectController;
import dev.ephemera.application.claims.ClaimObjectSettings;
import dev.ephemera.application.lifecycle.LifecycleSettings;
import dev.ephemera.application.lifecycle.PullRequestLifecycle;
import dev.ephemera.application.warmpool.WarmPoolSettings;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.backend.ClusterBackends;
import dev.ephemera.ports.canary.CanaryJobs;
import dev.ephemera.ports.canary.CanaryJobsFactory;
import dev.ephemera.ports.claims.ClaimObjects;
import dev.ephemera.ports.claims.ClaimObjectsFactory;
import dev.ephemera.ports.codehost.CodeHost;
import dev.ephemera.ports.codehost.CodeHostFactory;
import dev.ephemera.ports.codehost.CodeHostWebhooks;
import dev.ephemera.ports.codehost.CodeHostWebhooksFactory;
import dev.ephemera.ports.diagnostics.ClusterDiagnostics;
import dev.ephemera.ports.diagnostics.ClusterDiagnosticsFactory;
import dev.ephemera.ports.dns.DnsRecords;
import dev.ephemera.ports.dns.DnsRecordsFactory;
import dev.ephemera.ports.leadership.Leadership;
import dev.ephemera.ports.leadership.LeadershipFactory;
import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.ports.lease.LeaseStoreFactory;
import dev.ephemera.ports.pki.CertificateAuthority;
import dev.ephemera.ports.pki.CertificateAuthorityFactory;
import dev.ephemera.ports.secret.SecretSink;
import dev.ephemera.ports.secret.SecretSinkFactory;
import dev.ephemera.ports.secret.SecretSinks;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.ports.state.ClusterRepositoryFactory;
import dev.ephemera.ports.state.DeliveryInbox;
import dev.ephemera.ports.state.DeliveryInboxFactory;
import dev.ephemera.ports.workload.WorkloadClusters;
import dev.ephemera.ports.workload.WorkloadClustersFactory;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;

/**
 * The one Guice module: provides each port from the discovered factory the configuration names
 * (through {@link AdapterInstances}, from the {@link AdapterRegistry}). Providers run on first use, so a
 * command that needs only the lease store never touches GitHub's settings. No side effects here:
 * the adapters are created and owned by {@link AdapterInstances}.
 */
public final class EphemeraModule extends AbstractModule {
    private final EphemeraConfig config;
    private final AdapterRegistry registry;
    private final AdapterInstances instances;

    public EphemeraModule(EphemeraConfig config, AdapterRegistry registry, AdapterInstances instances) {
        this.config = config;
        this.registry = registry;
        this.instances = instances;
    }

    @Override
    protected void configure() {
        bind(EphemeraConfig.class).toInstance(config);
        bind(AdapterRegistry.class).toInstance(registry);
        bind(AdapterInstances.class).toInstance(instances);
        bind(Clock.class).toInstance(Clock.systemUTC());
        bind(Policies.class).toInstance(config.policies());
        bind(ControlPlane.class).toInstance(new ControlPlane(config.installation(), config.sinks()));
        bind(ClusterEvents.class).in(Singleton.class);
        bind(ClusterDriver.class).in(Singleton.class); // built on first use; only the server starts it
        bind(ClaimObjectController.class).in(Singleton.class); // likewise: the server starts it on the leader when server.claims is set
        bind(PullRequestLifecycle.class).in(Singleton.class); // likewise: the server starts it when lifecycle.repositories is set
        // The factories are not bound one by one (a MapBinder per port): every port below takes its factory from the
        // registry by the configured name, and a multibinder per port was a third of the injector's start-up cost.
        // Providers are bound as method references, not @Provides methods, which Guice finds by reflecting over this
        // class's methods and annotations (another third); each runs on first use, once.
        provide(DriverSettings.class, this::driverSettings);
        provide(ClaimObjects.class, this::claimObjects);
        provide(ClaimObjectSettings.class, this::claimObjectSettings);
        provide(Leadership.class, this::leadership);
        provide(WarmPoolSettings.class, this::warmPoolSettings);
        provide(LeaseStore.class, this::leaseStore);
        provide(ClusterRepository.class, this::clusterRepository);
        provide(DeliveryInbox.class, this::deliveryInbox);
        provide(CertificateAuthority.class, this::certificateAuthority);
        provide(WorkloadClusters.class, this::workloadClusters);
        provide(new TypeLiteral<Optional<DnsRecords>>() { }, this::dnsRecords);
        provide(CodeHost.class, this::codeHost);
        provide(CanaryJobs.class, this::canaryJobs);
        provide(ClusterDiagnostics.class, this::clusterDiagnostics);
        provide(VerifierOptions.class, this::verifierOptions);
        provide(LifecycleSettings.class, this::lifecycleSettings);
        provide(CodeHostWebhooks.class, this::codeHostWebhooks);
        provide(SecretSinks.class, this::secretSinks);
        provide(ClusterBackends.class, this::clusterBackends);
    }

    private <T> void provide(Class<T> type, Provider<T> provider) {
        bind(type).toProvider(provider).in(Singleton.class);
    }

    private <T> void provide(TypeLiteral<T> type, Provider<T> provider) {
        bind(type).toProvider(provider).in(Singleton.class);
    }

    private DriverSettings driverSettings() {
        return driverSettings(config);
    }

    /** The driver's settings from the {@code server:} section, with a fresh owner id for this process. */
    static DriverSettings driverSettings(EphemeraConfig config) {
        Settings s = config.section("server");
        try {
            return new DriverSettings(s.integer("max-concurrent-steps", DriverSettings.DEFAULT_MAX_CONCURRENT),
                    s.duration("rescan-interval", DriverSettings.DEFAULT_RESCAN), s.duration("step-lease", DriverSettings.DEFAULT_STEP_LEASE),
                    DriverSettings.newOwnerId());
        } catch (EphemeraException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, e.getMessage());
        }
    }

    /** The claim objects of {@code server.claims}; asked for only when it is set. */
    private ClaimObjects claimObjects() {
        String name = config.claims().orElseThrow(() -> new EphemeraException(ErrorCode.CONFIGURATION,
                "server.claims is not set: set server.claims: kubernetes to make claims as EphemeralCluster objects"));
        return instances.get(ClaimObjectsFactory.class, name);
    }

    private ClaimObjectSettings claimObjectSettings() {
        Settings s = config.section("server");
        try {
            return new ClaimObjectSettings(config.defaultBackend(), s.duration("claims-resync", ClaimObjectSettings.DEFAULT_RESYNC));
        } catch (IllegalArgumentException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "server.claims-resync: " + e.getMessage());
        }
    }

    /** {@code server.leadership}: single (the default: this process leads) or the adapter of that name. */
    private Leadership leadership() {
        String name = config.leadership();
        return AlwaysLeader.NAME.equals(name) ? new AlwaysLeader() : instances.get(LeadershipFactory.class, name);
    }

    private WarmPoolSettings warmPoolSettings() {
        return config.warmPools();
    }

    private LeaseStore leaseStore() {
        return instances.get(LeaseStoreFactory.class, config.leaseStore());
    }

    private ClusterRepository clusterRepository() {
        return instances.get(ClusterRepositoryFactory.class, config.stateStore());
    }

    /** Code host deliveries, kept by the adapter named like {@code state:} (the SQLite file by default). */
    private DeliveryInbox deliveryInbox() {
        return instances.get(DeliveryInboxFactory.class, config.stateStore());
    }

    private CertificateAuthority certificateAuthority() {
        return instances.get(CertificateAuthorityFactory.class, config.pki());
    }

    private WorkloadClusters workloadClusters() {
        return instances.get(WorkloadClustersFactory.class, config.workload());
    }

    /** The DNS adapter {@code dns:} names, or empty: then clusters get no DNS names (docs/dns.md). */
    private Optional<DnsRecords> dnsRecords() {
        return config.dns().map(name -> instances.get(DnsRecordsFactory.class, name));
    }

    private CodeHost codeHost() {
        return instances.get(CodeHostFactory.class, config.codeHost());
    }

    private CanaryJobs canaryJobs() {
        return instances.get(CanaryJobsFactory.class, "kubernetes");
    }

    private ClusterDiagnostics clusterDiagnostics() {
        return instances.get(ClusterDiagnosticsFactory.class, "kubernetes");
    }

    private VerifierOptions verifierOptions() {
        return VerifierOptions.from(config.section("canary"));
    }

    private LifecycleSettings lifecycleSettings() {
        return LifecycleSettings.from(config.section("lifecycle"), config.defaultBackend());
    }

    private CodeHostWebhooks codeHostWebhooks() {
        return instances.get(CodeHostWebhooksFactory.class, config.codeHost());
    }

    private SecretSinks secretSinks() {
        return new SecretSinks() {
            @Override
            public SecretSink named(String name) {
                return instances.get(SecretSinkFactory.class, name);
            }

            @Override
            public Set<String> names() {
                return registry.factories(SecretSinkFactory.class).keySet();
            }
        };
    }

    private ClusterBackends clusterBackends() {
        return new ClusterBackends() {
            @Override
            public ClusterBackend named(String name) {
                return instances.get(ClusterBackendFactory.class, name);
            }

            @Override
            public Set<String> names() {
                return registry.factories(ClusterBackendFactory.class).keySet();
            }
        };
    }
}
