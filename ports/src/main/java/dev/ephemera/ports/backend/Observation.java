package dev.ephemera.ports.backend;

import dev.ephemera.domain.cluster.Endpoint;
import java.util.Optional;

/** What a backend sees of one cluster right now. */
public record Observation(State state, Optional<Endpoint> endpoint, String detail) {
    /** Where the backend's resources are; {@code RUNNING} says nothing of the API server's readiness. */
    public enum State { ABSENT, CREATING, RUNNING, FAILED, DELETING }

    public static Observation absent() {
        return new Observation(State.ABSENT, Optional.empty(), "no resources");
    }
}
