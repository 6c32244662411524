package dev.ephemera.adapters.github;

import java.time.Duration;

/**
 * Bounds on retrying one API call.
 *
 * @param attempts        attempts in total, counting the first
 * @param maxWait         the longest single wait accepted for a rate limit; a longer one fails at once
 * @param baseBackoff     first backoff after a 5xx or connection error, doubled each time, jittered
 * @param maxBackoff      cap on that backoff
 * @param secondaryFloor  wait after a secondary rate limit that names no {@code retry-after}
 *                        (GitHub: "at least one minute"), doubled on each repeat
 */
record RetryPolicy(int attempts, Duration maxWait, Duration baseBackoff, Duration maxBackoff, Duration secondaryFloor) {
    RetryPolicy {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1");
        }
    }

    static RetryPolicy of(GitHubSettings s) {
        return new RetryPolicy(s.retryAttempts(), s.retryMaxWait(), Duration.ofMillis(500), Duration.ofSeconds(30), Duration.ofSeconds(60));
    }
}
