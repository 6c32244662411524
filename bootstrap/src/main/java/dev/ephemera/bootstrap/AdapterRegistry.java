package dev.ephemera.bootstrap;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.canary.CanaryJobsFactory;
import dev.ephemera.ports.claims.ClaimObjectsFactory;
import dev.ephemera.ports.codehost.CodeHostFactory;
import dev.ephemera.ports.codehost.CodeHostWebhooksFactory;
import dev.ephemera.ports.diagnostics.ClusterDiagnosticsFactory;
import dev.ephemera.ports.dns.DnsRecordsFactory;
import dev.ephemera.ports.leadership.LeadershipFactory;
import dev.ephemera.ports.lease.LeaseStoreFactory;
import dev.ephemera.ports.pki.CertificateAuthorityFactory;
import dev.ephemera.ports.secret.SecretSinkFactory;
import dev.ephemera.ports.spi.AdapterFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.state.ClusterRepositoryFactory;
import dev.ephemera.ports.state.DeliveryInboxFactory;
import dev.ephemera.ports.workload.WorkloadClustersFactory;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Every adapter factory found on the class path and in {@code plugins/}, keyed by factory type
 * and name. The only class that calls {@link ServiceLoader#load}; immutable once built; fails
 * fast on a duplicate name and lists what it found when asked for a name it does not know.
 *
 * <p>Each plugin jar gets its own {@link PluginClassLoader} (the SPI, JDK and SLF4J from the
 * core, everything else from the jar first), so plugins cannot clash with each other or with the
 * core's libraries. {@link #close()} closes those loaders; call it once no adapter of this
 * registry is in use.
 */
public final class AdapterRegistry implements AutoCloseable {

    /** The factory types of every port, in the order {@code ephemera backends} lists them. */
    public static final List<Class<? extends AdapterFactory<?>>> FACTORY_TYPES = List.of(
            ClusterBackendFactory.class,
            CertificateAuthorityFactory.class,
            WorkloadClustersFactory.class,
            ClusterRepositoryFactory.class,
            LeaseStoreFactory.class,
            SecretSinkFactory.class,
            CodeHostFactory.class,
            CodeHostWebhooksFactory.class,
            CanaryJobsFactory.class,
            ClusterDiagnosticsFactory.class,
            DeliveryInboxFactory.class,
            DnsRecordsFactory.class,
            ClaimObjectsFactory.class,
            LeadershipFactory.class);

    private final Map<Class<?>, Map<String, AdapterFactory<?>>> byType;
    private final List<Path> pluginJars;
    private final List<URLClassLoader> loaders;

    private AdapterRegistry(Map<Class<?>, Map<String, AdapterFactory<?>>> byType, List<Path> pluginJars, List<URLClassLoader> loaders) {
        this.byType = byType;
        this.pluginJars = List.copyOf(pluginJars);
        this.loaders = List.copyOf(loaders);
    }

    /** Discovers factories on the class path of this class only. */
    public static AdapterRegistry discover() {
        return discover(Optional.empty());
    }

    /** Discovers factories on the class path and in the jars of {@code pluginsDir}, if it exists. */
    public static AdapterRegistry discover(Optional<Path> pluginsDir) {
        ClassLoader parent = AdapterRegistry.class.getClassLoader();
        List<Path> jars = pluginsDir.map(AdapterRegistry::jarsIn).orElse(List.of());
        List<URLClassLoader> loaders = new ArrayList<>();
        try {
            for (Path jar : jars) {
                loaders.add(new PluginClassLoader(jar.getFileName().toString(), url(jar), parent));
            }
            Map<Class<?>, Map<String, AdapterFactory<?>>> byType = new LinkedHashMap<>();
            for (Class<? extends AdapterFactory<?>> type : FACTORY_TYPES) {
                Map<String, AdapterFactory<?>> found = new TreeMap<>();
                load(type, parent, found);
                for (URLClassLoader loader : loaders) {
                    load(type, loader, found);
                }
                byType.put(type, Collections.unmodifiableMap(found));
            }
            return new AdapterRegistry(Collections.unmodifiableMap(byType), jars, loaders);
        } catch (RuntimeException e) {
            closeAll(loaders);
            throw e;
        }
    }

    /** Adds the factories {@code loader} itself defines (for a plugin: only its jar's, not the class path's again). */
    private static void load(Class<? extends AdapterFactory<?>> type, ClassLoader loader, Map<String, AdapterFactory<?>> found) {
        try {
            ServiceLoader.load(type, loader).stream()
                    .filter(p -> !(loader instanceof PluginClassLoader) || p.type().getClassLoader() == loader)
                    .map(ServiceLoader.Provider::get)
                    .forEach(f -> {
                        AdapterFactory<?> previous = found.put(f.name(), f);
                        if (previous != null && !previous.getClass().equals(f.getClass())) {
                            throw new EphemeraException(ErrorCode.CONFIGURATION, "two " + portName(type) + " adapters are named '" + f.name()
                                    + "': " + origin(previous) + " and " + origin(f) + "; remove one of the jars (check plugins/)");
                        }
                    });
        } catch (ServiceConfigurationError e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "an adapter could not be loaded: " + e.getMessage(), e);
        }
    }

    private static String origin(AdapterFactory<?> f) {
        return f.getClass().getName() + (f.getClass().getClassLoader() instanceof PluginClassLoader p ? " (plugins/" + p.pluginName() + ")" : "");
    }

    /** Closes the plugin class loaders. Adapters made from plugin factories must be closed first. */
    @Override
    public void close() {
        closeAll(loaders);
    }

    private static void closeAll(List<URLClassLoader> loaders) {
        for (URLClassLoader l : loaders) {
            try {
                l.close();
            } catch (IOException e) {
                org.slf4j.LoggerFactory.getLogger(AdapterRegistry.class).warn("plugin class loader did not close loader={} error={}",
                        l.getName(), e.toString());
            }
        }
    }

    private static List<Path> jarsIn(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "cannot read plugins directory " + dir + ": " + e.getMessage(), e);
        }
    }

    private static URL url(Path jar) {
        try {
            return jar.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "bad plugin path " + jar, e);
        }
    }

    /** Factories of one type, by name. */
    @SuppressWarnings("unchecked")
    public <F extends AdapterFactory<?>> Map<String, F> factories(Class<F> type) {
        Map<String, AdapterFactory<?>> m = byType.get(type);
        if (m == null) {
            throw new IllegalArgumentException(type.getName() + " is not a known factory type");
        }
        return (Map<String, F>) m;
    }

    /** The factory of {@code type} named {@code name}, or a CONFIGURATION error listing the names found. */
    public <F extends AdapterFactory<?>> F factory(Class<F> type, String name) {
        F f = factories(type).get(name);
        if (f == null) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "no " + portName(type) + " named '" + name + "' is installed; found: "
                    + (factories(type).isEmpty() ? "(none)" : String.join(", ", factories(type).keySet()))
                    + " (adapters come from lib/ and plugins/)");
        }
        return f;
    }

    /** Every discovered factory, for {@code ephemera backends}. */
    public List<Discovered> all() {
        List<Discovered> out = new ArrayList<>();
        byType.forEach((type, m) -> m.values().forEach(f -> out.add(new Discovered(portName(type), f.name(),
                f.description(), f.settings(), f.getClass().getName()))));
        return out;
    }

    /** The settings of every factory called {@code name}, across ports (they share one config section). */
    public List<SettingSpec> settingsOfSection(String name) {
        Map<String, SettingSpec> union = new LinkedHashMap<>();
        byType.values().forEach(m -> {
            AdapterFactory<?> f = m.get(name);
            if (f != null) {
                f.settings().forEach(s -> union.putIfAbsent(s.key(), s));
            }
        });
        return List.copyOf(union.values());
    }

    /** Names of every adapter, across ports. */
    public List<String> adapterNames() {
        return byType.values().stream().flatMap(m -> m.keySet().stream()).distinct().sorted().toList();
    }

    public List<Path> pluginJars() {
        return pluginJars;
    }

    /** The port a factory type makes, e.g. {@code LeaseStore} for {@code LeaseStoreFactory}. */
    public static String portName(Class<?> factoryType) {
        String n = factoryType.getSimpleName();
        return n.endsWith("Factory") ? n.substring(0, n.length() - "Factory".length()) : n;
    }

    /** One discovered factory. */
    public record Discovered(String port, String name, String description, List<SettingSpec> settings, String implementation) {
    }
}
