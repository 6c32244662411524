package dev.ephemera.ports.backend;

import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cost.ServerPrice;
import java.util.Optional;

/**
 * A capability of backends that rent servers at a stated price: the price of the server a
 * cluster of a given spec runs on, for the cost shown in a pull request's comment. A backend that
 * has it implements this interface besides {@link ClusterBackend}; one without it has no prices
 * (the comment says "n/a").
 */
public interface Pricing {
    /**
     * The price of the one server a cluster with {@code spec} gets: its size (or the backend's
     * default server type) in its location (or the backend's default location).
     *
     * @return empty when the backend does not sell that type in that location
     * @throws dev.ephemera.domain.error.EphemeraException UNAVAILABLE or BACKEND when the prices
     *         cannot be read now (callers show "n/a" and ask again later)
     */
    Optional<ServerPrice> priceOf(ClusterSpec spec);
}
