package dev.ephemera.server;

import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.spi.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code server:} section: where to listen, how big a body may be, the API token, how long
 * SIGTERM waits for requests in flight, how often the reaper sweeps (zero: never), and how long
 * {@code /readyz} reuses its checks ({@code health-cache}, default 30s; zero: check every time).
 */
public record ServerSettings(String host, int port, long bodyLimit, Optional<Secret> token, Duration shutdownTimeout,
                             Duration reapInterval, List<String> reapOrphans, Duration healthCache) {
    /** Default of {@code server.health-cache}: polling /readyz every few seconds costs a cloud API at most 120 calls an hour. */
    public static final Duration DEFAULT_HEALTH_CACHE = Duration.ofSeconds(30);

    public ServerSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("server.port must be 0-65535, got " + port);
        }
        if (bodyLimit < 1) {
            throw new IllegalArgumentException("server.body-limit must be positive");
        }
        token = token == null ? Optional.empty() : token.filter(t -> !t.isEmpty());
        if (reapInterval == null || reapInterval.isNegative()) {
            throw new IllegalArgumentException("server.reap-interval must be zero (off) or positive");
        }
        reapOrphans = List.copyOf(reapOrphans == null ? List.of() : reapOrphans);
        if (healthCache == null || healthCache.isNegative()) {
            throw new IllegalArgumentException("server.health-cache must be zero (no cache) or positive");
        }
    }

    public ServerSettings(String host, int port, long bodyLimit, Optional<Secret> token, Duration shutdownTimeout,
                          Duration reapInterval, List<String> reapOrphans) {
        this(host, port, bodyLimit, token, shutdownTimeout, reapInterval, reapOrphans, DEFAULT_HEALTH_CACHE);
    }

    /** Without the periodic reaper (embedding, tests). */
    public ServerSettings(String host, int port, long bodyLimit, Optional<Secret> token, Duration shutdownTimeout) {
        this(host, port, bodyLimit, token, shutdownTimeout, Duration.ZERO, List.of());
    }

    public static ServerSettings from(Settings s) {
        return new ServerSettings(s.string("host", "127.0.0.1"), s.integer("port", 8080),
                Long.parseLong(s.string("body-limit", "1048576")), s.secret("token"),
                s.duration("shutdown-timeout", Duration.ofSeconds(30)), s.duration("reap-interval", Duration.ofMinutes(1)),
                s.list("reap-orphans"), s.duration("health-cache", DEFAULT_HEALTH_CACHE));
    }

    public ServerSettings withPort(int p) {
        return new ServerSettings(host, p, bodyLimit, token, shutdownTimeout, reapInterval, reapOrphans, healthCache);
    }

    public ServerSettings withHost(String h) {
        return new ServerSettings(h, port, bodyLimit, token, shutdownTimeout, reapInterval, reapOrphans, healthCache);
    }

    public ServerSettings withHealthCache(Duration d) {
        return new ServerSettings(host, port, bodyLimit, token, shutdownTimeout, reapInterval, reapOrphans, d);
    }
}
