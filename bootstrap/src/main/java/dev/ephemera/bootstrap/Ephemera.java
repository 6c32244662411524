package dev.ephemera.bootstrap;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackends;
import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.ports.secret.SecretSink;
import dev.ephemera.ports.secret.SecretSinks;
import dev.ephemera.ports.spi.Health;
import dev.ephemera.ports.state.ClusterRepository;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A running Ephemera: the configuration, the discovered adapters and the one injector. Both apps
 * and embedding code start it once and close it at the end, which closes every adapter.
 */
public final class Ephemera implements AutoCloseable {
    private final EphemeraConfig config;
    private final AdapterRegistry registry;
    private final AdapterInstances instances;
    private final Injector injector;
    private final boolean ownsRegistry;

    private Ephemera(EphemeraConfig config, AdapterRegistry registry, boolean ownsRegistry) {
        this.config = config;
        this.registry = registry;
        this.ownsRegistry = ownsRegistry;
        // A bad policy value is a configuration error of its own, reported before Guice wraps it in a provisioning trace.
        config.policies();
        this.instances = new AdapterInstances(registry, config);
        this.injector = Guice.createInjector(Stage.DEVELOPMENT, new EphemeraModule(config, registry, instances));
    }

    /** Starts with an explicit configuration and registry (tests, embedding); the registry stays the caller's to close. */
    public static Ephemera start(EphemeraConfig config, AdapterRegistry registry) {
        return new Ephemera(config, registry, false);
    }

    /**
     * Discovers adapters (class path, and {@code defaultPluginsDir} unless the configuration names
     * another), then finds and loads the configuration. The registry (and its plugin class
     * loaders) is closed with this Ephemera; the one used only to read {@code plugins:} is closed
     * as soon as it is replaced.
     */
    public static Ephemera start(ConfigLoader.Request request, Optional<Path> defaultPluginsDir) {
        AdapterRegistry first = AdapterRegistry.discover(defaultPluginsDir);
        AdapterRegistry registry = first;
        try {
            EphemeraConfig config = new ConfigLoader(first).load(request);
            if (config.pluginsDir().isPresent()) {
                registry = AdapterRegistry.discover(Optional.of(Path.of(config.pluginsDir().get())));
                first.close();
                config = new ConfigLoader(registry).load(request);
            }
            return new Ephemera(config, registry, true);
        } catch (RuntimeException e) {
            first.close();
            registry.close();
            throw e;
        }
    }

    /** The configured instance of a port or use case, e.g. {@code get(IpPools.class)}. */
    public <T> T get(Class<T> type) {
        return injector.getInstance(type);
    }

    public SecretSink secretSink(String name) {
        return get(SecretSinks.class).named(name);
    }

    public ClusterBackend backend(String name) {
        return get(ClusterBackends.class).named(name);
    }

    public EphemeraConfig config() {
        return config;
    }

    public AdapterRegistry registry() {
        return registry;
    }

    /**
     * Checks the configured stores and sinks, the default backend ({@code backend:}) (creating
     * them if needed) and every other adapter already in use. Never throws: a failure to create an
     * adapter (one not installed, one misconfigured) is reported as down. No lock is held while an
     * adapter answers, so a slow check never stalls work that needs an adapter.
     */
    public Map<String, Health> health() {
        Map<String, Health> out = new LinkedHashMap<>();
        probe(out, "ClusterRepository/" + config.stateStore(), () -> get(ClusterRepository.class));
        probe(out, "LeaseStore/" + config.leaseStore(), () -> get(LeaseStore.class));
        for (String sink : config.sinks()) {
            probe(out, "SecretSink/" + sink, () -> secretSink(sink));
        }
        String backend = config.defaultBackend();
        probe(out, "ClusterBackend/" + backend, () -> backend(backend));
        config.dns().ifPresent(dns -> probe(out, "DnsRecords/" + dns,
                () -> injector.getInstance(new com.google.inject.Key<java.util.Optional<dev.ephemera.ports.dns.DnsRecords>>() { })));
        // Adapters that could not be made are already reported down; every one that exists is checked once.
        out.putAll(instances.health());
        return out;
    }

    private static void probe(Map<String, Health> out, String key, java.util.function.Supplier<?> create) {
        try {
            create.get();
        } catch (RuntimeException e) {
            Throwable cause = e instanceof com.google.inject.ProvisionException && e.getCause() != null ? e.getCause() : e;
            out.put(key, Health.down(cause.getMessage()));
        }
    }

    /** Closes every adapter, then (when this Ephemera discovered it) the registry's plugin class loaders. */
    @Override
    public void close() {
        instances.close();
        if (ownsRegistry) {
            registry.close();
        }
    }
}
