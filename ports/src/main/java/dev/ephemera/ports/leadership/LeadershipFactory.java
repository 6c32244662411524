package dev.ephemera.ports.leadership;

import dev.ephemera.ports.spi.AdapterFactory;

/** Makes a {@link Leadership}, named by {@code server.leadership}. */
public interface LeadershipFactory extends AdapterFactory<Leadership> {
}
