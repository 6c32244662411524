package dev.ephemera.ports.backend;

import java.util.Optional;

/** A resource a backend finds carrying our installation label, for orphan reaping. */
public record OwnedResource(String kind, String id, Optional<String> clusterId, String description) {
}
