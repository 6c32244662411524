package dev.ephemera.testkit.fake.github;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An answer the fake gives instead of doing the request, to exercise what GitHub does under
 * pressure: rate limits, revoked credentials, missing permissions, server errors. A faulted
 * request changes nothing.
 */
public final class Fault {
    /** GitHub's wording for the secondary rate limit (docs: "You have exceeded a secondary rate limit"). */
    public static final String SECONDARY_MESSAGE = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
            + " If you reach out to GitHub Support for help, please include the request ID 0000:1111:2222:3333:44445555.";

    final int status;
    final Map<String, String> headers;
    final String message;
    final String documentationUrl;
    // Resolved when the fault fires, so "reset in N seconds" is relative to the fake's clock then.
    final Optional<Long> resetInSeconds;

    private Fault(int status, Map<String, String> headers, String message, String documentationUrl, Optional<Long> resetInSeconds) {
        this.status = status;
        this.headers = Map.copyOf(headers);
        this.message = message;
        this.documentationUrl = documentationUrl;
        this.resetInSeconds = resetInSeconds;
    }

    /** A secondary rate limit: 403 with {@code retry-after} and GitHub's message. */
    public static Fault secondaryRateLimit(int retryAfterSeconds) {
        return new Fault(403, Map.of("retry-after", String.valueOf(retryAfterSeconds)), SECONDARY_MESSAGE,
                "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits", Optional.empty());
    }

    /** A secondary rate limit that names no wait: clients must wait at least a minute. */
    public static Fault secondaryRateLimitWithoutRetryAfter() {
        return new Fault(403, Map.of(), SECONDARY_MESSAGE,
                "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits", Optional.empty());
    }

    /** The primary rate limit: 403, {@code x-ratelimit-remaining: 0}, {@code x-ratelimit-reset} that many seconds ahead. */
    public static Fault primaryRateLimit(long resetInSeconds) {
        return new Fault(403, Map.of("x-ratelimit-remaining", "0"), "API rate limit exceeded for installation.",
                "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit", Optional.of(resetInSeconds));
    }

    /** Credentials GitHub no longer accepts (a revoked key, an expired token). */
    public static Fault unauthorized() {
        return new Fault(401, Map.of(), "Bad credentials", "https://docs.github.com/rest", Optional.empty());
    }

    /** Valid credentials lacking a permission, as GitHub words it for Apps. */
    public static Fault forbidden(String acceptedPermissions) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("x-accepted-github-permissions", acceptedPermissions);
        return new Fault(403, h, "Resource not accessible by integration", "https://docs.github.com/rest", Optional.empty());
    }

    public static Fault serverError(int status) {
        return new Fault(status, Map.of(), "Server Error", "https://docs.github.com/rest", Optional.empty());
    }

    Map<String, String> headersAt(Instant now) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        resetInSeconds.ifPresent(s -> h.put("x-ratelimit-reset", String.valueOf(now.getEpochSecond() + s)));
        return h;
    }

    /** Which requests a fault applies to, and how many more times. */
    static final class Armed {
        final String method;
        final Pattern path;
        final Fault fault;
        int remaining;

        Armed(String method, Pattern path, Fault fault, int times) {
            this.method = method;
            this.path = path;
            this.fault = fault;
            this.remaining = times;
        }

        boolean matches(String m, String p) {
            return remaining > 0 && (method == null || method.equalsIgnoreCase(m)) && path.matcher(p).matches();
        }
    }
}
