package dev.ephemera.ports.backend;

import java.util.Optional;

/**
 * What a backend needs from the core.
 *
 * @param leasePool        the IP pool to lease an address from before creating, if any
 * @param usesEphemeraPki  true when the API server is given our PKI bundle; false when the
 *                         backend makes its own credentials (kind) and supplies admin access
 */
public record BackendTraits(Optional<String> leasePool, boolean usesEphemeraPki) {
}
