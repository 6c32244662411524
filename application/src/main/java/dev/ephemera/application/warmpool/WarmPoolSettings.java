package dev.ephemera.application.warmpool;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.warmpool.WarmPoolSpec;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The configured warm pools ({@code warm-pools:}) and how often the server's keeper looks at them.
 *
 * @param pools    every pool, names unique
 * @param interval how often the keeper refills and hibernates besides the refill a claim triggers
 */
public record WarmPoolSettings(List<WarmPoolSpec> pools, Duration interval) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);

    public WarmPoolSettings {
        pools = List.copyOf(pools);
        Set<String> names = new HashSet<>();
        for (WarmPoolSpec p : pools) {
            if (!names.add(p.name())) {
                throw EphemeraException.invalid("warm pool " + p.name() + " is configured twice");
            }
        }
        if (interval == null || interval.isZero() || interval.isNegative()) {
            throw EphemeraException.invalid("the warm pool interval must be positive, got " + interval);
        }
    }

    public static WarmPoolSettings none() {
        return new WarmPoolSettings(List.of(), DEFAULT_INTERVAL);
    }

    public Optional<WarmPoolSpec> pool(String name) {
        return pools.stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
