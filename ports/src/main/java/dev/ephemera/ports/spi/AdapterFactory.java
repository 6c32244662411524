package dev.ephemera.ports.spi;

import java.util.List;

/**
 * What every adapter factory has in common. Each port has its own factory type extending this
 * one; an adapter module lists its factories in {@code META-INF/services/<factory type>}.
 *
 * @param <T> the port the factory makes
 */
public interface AdapterFactory<T> {
    /** Kebab-case name used in the configuration, e.g. {@code sqlite}, {@code hetzner}. */
    String name();

    /** One sentence for {@code ephemera backends}. */
    String description();

    /** The settings the adapter reads, with their defaults. */
    List<SettingSpec> settings();

    /** Makes the adapter from its validated settings. Fast, and fails fast on bad settings. */
    T create(Settings settings);
}
