package dev.ephemera.server;

import dev.ephemera.ports.spi.Health;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The readiness checks behind {@code /readyz}, run off the event loop and cached for
 * {@code server.health-cache} (default 30 s), so a probe polled every few seconds does not spend a
 * cloud API's rate limit (Hetzner allows 3,600 requests an hour). Concurrent callers share one
 * run of the checks. A zero cache checks on every call.
 */
final class Readiness {
    private final Vertx vertx;
    private final Supplier<Map<String, Health>> checks;
    private final Duration maxAge;
    private final Clock clock;
    private Snapshot last;
    private Future<Snapshot> running;

    /** The checks at one instant. */
    record Snapshot(Instant at, Map<String, Health> checks) {
        boolean up() {
            return checks.values().stream().allMatch(Health::up);
        }
    }

    Readiness(Vertx vertx, Supplier<Map<String, Health>> checks, Duration maxAge) {
        this(vertx, checks, maxAge, Clock.systemUTC());
    }

    Readiness(Vertx vertx, Supplier<Map<String, Health>> checks, Duration maxAge, Clock clock) {
        this.vertx = vertx;
        this.checks = checks;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    /** The latest checks, run again only when the cached ones are older than the cache duration. */
    synchronized Future<Snapshot> current() {
        Instant now = clock.instant();
        if (last != null && now.isBefore(last.at().plus(maxAge))) {
            return Future.succeededFuture(last);
        }
        if (running != null) {
            return running;
        }
        Future<Snapshot> f = vertx.executeBlocking(() -> new Snapshot(clock.instant(), Map.copyOf(checks.get())), false);
        running = f;
        f.onComplete(ar -> {
            synchronized (this) {
                if (ar.succeeded()) {
                    last = ar.result();
                }
                running = null;
            }
        });
        return f;
    }
}
