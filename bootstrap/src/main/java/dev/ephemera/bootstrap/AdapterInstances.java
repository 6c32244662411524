package dev.ephemera.bootstrap;

import dev.ephemera.ports.spi.Adapter;
import dev.ephemera.ports.spi.AdapterFactory;
import dev.ephemera.ports.spi.Health;
import dev.ephemera.ports.spi.Settings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns every adapter made in this process: each (port, name) is created once, on first use,
 * from its configuration section, and closed in reverse order on {@link #close()}.
 */
public final class AdapterInstances implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdapterInstances.class);

    private static final String INSTALLATION = "installation";

    private final AdapterRegistry registry;
    private final EphemeraConfig config;
    private final Map<String, Adapter> created = new LinkedHashMap<>();

    public AdapterInstances(AdapterRegistry registry, EphemeraConfig config) {
        this.registry = registry;
        this.config = config;
    }

    /** The adapter of port type {@code factoryType} named {@code name}, created on first call. */
    public synchronized <T extends Adapter, F extends AdapterFactory<T>> T get(Class<F> factoryType, String name) {
        String key = AdapterRegistry.portName(factoryType) + "/" + name;
        @SuppressWarnings("unchecked")
        T existing = (T) created.get(key);
        if (existing != null) {
            return existing;
        }
        F factory = registry.factory(factoryType, name);
        Settings section = config.section(name).restrictTo(factory.settings());
        // An adapter that declares `installation` inherits the top-level value unless its own section sets it,
        // so everything it labels and lists agrees with the rest of the installation.
        if (factory.settings().stream().anyMatch(sp -> sp.key().equals(INSTALLATION)) && section.string(INSTALLATION).isEmpty()) {
            section = section.with(INSTALLATION, config.installation());
        }
        T adapter = factory.create(section.validate(factory.settings()));
        created.put(key, adapter);
        LOG.debug("adapter created port={} name={}", AdapterRegistry.portName(factoryType), name);
        return adapter;
    }

    /**
     * Health of every adapter created so far, keyed {@code Port/name}. The adapters are asked
     * without holding this object's lock: a health check may be a slow network call, and the
     * reconciler and API must not wait for it to get an adapter.
     */
    public Map<String, Health> health() {
        Map<String, Adapter> snapshot;
        synchronized (this) {
            snapshot = new LinkedHashMap<>(created);
        }
        Map<String, Health> out = new LinkedHashMap<>();
        snapshot.forEach((k, a) -> {
            try {
                out.put(k, a.health());
            } catch (RuntimeException e) {
                out.put(k, Health.down(e.getClass().getSimpleName() + ": " + e.getMessage()));
            }
        });
        return out;
    }

    @Override
    public synchronized void close() {
        List<Map.Entry<String, Adapter>> entries = new ArrayList<>(created.entrySet());
        Collections.reverse(entries);
        for (Map.Entry<String, Adapter> e : entries) {
            try {
                e.getValue().close();
            } catch (Exception ex) {
                LOG.warn("adapter close failed adapter={} error={}", e.getKey(), ex.toString());
            }
        }
        created.clear();
    }
}
