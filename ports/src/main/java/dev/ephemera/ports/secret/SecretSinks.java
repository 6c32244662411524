package dev.ephemera.ports.secret;

import java.util.Set;

/** The configured secret sinks, by name. */
public interface SecretSinks {
    /**
     * @throws dev.ephemera.domain.error.EphemeraException CONFIGURATION if no sink of that name is installed
     */
    SecretSink named(String name);

    /** Names of every installed sink. */
    Set<String> names();
}
