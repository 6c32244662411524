package dev.ephemera.adapters.hetzner;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Hetzner's {@code RateLimit-Limit/Remaining/Reset} headers: requests per hour, requests left, and
 * the UNIX time at which the budget is full again. The budget refills gradually (one request per
 * {@code 3600 s / limit}), so one request is available again long before the reset.
 */
public record RateLimit(long limit, long remaining, Instant reset) {
    public static Optional<RateLimit> from(HttpHeaders headers) {
        OptionalLong limit = number(headers, "RateLimit-Limit");
        OptionalLong remaining = number(headers, "RateLimit-Remaining");
        OptionalLong reset = number(headers, "RateLimit-Reset");
        if (limit.isEmpty() || remaining.isEmpty() || reset.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new RateLimit(limit.getAsLong(), remaining.getAsLong(), Instant.ofEpochSecond(reset.getAsLong())));
    }

    /** How long until one more request is allowed: one refill interval, never past the full reset. */
    public Duration untilNextRequest(Instant now) {
        Duration toReset = Duration.between(now, reset);
        if (toReset.isNegative()) {
            return Duration.ZERO;
        }
        Duration oneRequest = limit > 0 ? Duration.ofMillis(Math.max(1, 3_600_000L / limit)) : toReset;
        return oneRequest.compareTo(toReset) < 0 ? oneRequest : toReset;
    }

    private static OptionalLong number(HttpHeaders headers, String name) {
        return headers.firstValue(name).map(String::trim).filter(s -> s.matches("\\d{1,19}"))
                .map(s -> OptionalLong.of(Long.parseLong(s))).orElse(OptionalLong.empty());
    }
}
