package dev.ephemera.ports.backend;

import java.util.Set;

/** The installed cluster backends, by name. */
public interface ClusterBackends {
    /**
     * @throws dev.ephemera.domain.error.EphemeraException CONFIGURATION if no backend of that name is installed
     */
    ClusterBackend named(String name);

    /** Names of every installed backend. */
    Set<String> names();
}
