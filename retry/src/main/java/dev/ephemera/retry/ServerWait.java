package dev.ephemera.retry;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Waits a server names in its answer: {@code Retry-After} (RFC 9110: a number of seconds or an
 * HTTP date) and a reset given as UNIX time, such as Hetzner's {@code RateLimit-Reset} or
 * GitHub's {@code x-ratelimit-reset}. A time in the past is a wait of zero; a value that is
 * neither is no wait at all (empty), so the caller falls back to its own backoff.
 */
public final class ServerWait {
    private ServerWait() {
    }

    /** A {@code Retry-After} value: delay-seconds, or an HTTP date relative to {@code now}. */
    public static Optional<Duration> retryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String t = value.trim();
        if (t.matches("\\d{1,12}")) {
            return Optional.of(Duration.ofSeconds(Long.parseLong(t)));
        }
        try {
            Instant at = ZonedDateTime.parse(t, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return Optional.of(notNegative(Duration.between(now, at)));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** A reset given as UNIX seconds: the wait from {@code now} until then. */
    public static Optional<Duration> untilEpochSecond(String value, Instant now) {
        if (value == null || !value.trim().matches("\\d{1,12}")) {
            return Optional.empty();
        }
        return Optional.of(notNegative(Duration.between(now, Instant.ofEpochSecond(Long.parseLong(value.trim())))));
    }

    private static Duration notNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }
}
