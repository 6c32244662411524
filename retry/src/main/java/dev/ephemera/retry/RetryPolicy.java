package dev.ephemera.retry;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * The one retry policy of Ephemera: at most {@code maxAttempts} attempts (counting the first),
 * jittered exponential backoff from {@code initialBackoff}, doubling, never above
 * {@code maxBackoff}; a wait the server names ({@code Retry-After}, a rate-limit reset) is
 * honoured when it is at most {@code maxServerWait}, and gives up at once when it is longer.
 * An {@link EphemeraException} whose code retrying cannot fix ({@link #retryable(ErrorCode)}) is
 * never retried. The backoff is resilience4j's exponential random backoff (±50 % jitter),
 * clamped to the cap; {@link Retrier} runs attempts on resilience4j-retry's attempt bookkeeping.
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxServerWait) {
    /** Codes whose cause may pass: a later attempt can succeed. */
    private static final Set<ErrorCode> RETRYABLE = EnumSet.of(ErrorCode.UNAVAILABLE, ErrorCode.RATE_LIMITED, ErrorCode.TIMEOUT);

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("a retry policy needs at least one attempt, not " + maxAttempts);
        }
        if (initialBackoff == null || maxBackoff == null || maxServerWait == null) {
            throw new IllegalArgumentException("a retry policy needs its backoff and wait bounds");
        }
        if (initialBackoff.toMillis() < 1 || maxBackoff.compareTo(initialBackoff) < 0 || maxServerWait.isNegative()) {
            throw new IllegalArgumentException("a retry policy needs 1 ms <= initial backoff <= max backoff and a max server wait >= 0, not "
                    + initialBackoff + ", " + maxBackoff + ", " + maxServerWait);
        }
    }

    /** A policy for polling (no attempt bound of its own: the caller's deadline bounds it). */
    public static RetryPolicy polling(Duration initial, Duration cap) {
        return new RetryPolicy(Integer.MAX_VALUE, initial, cap, Duration.ZERO);
    }

    /** Whether an error with this code may be retried at all: UNAVAILABLE, RATE_LIMITED and TIMEOUT only. */
    public static boolean retryable(ErrorCode code) {
        return RETRYABLE.contains(code);
    }

    /** Whether this throwable may be retried: anything but an {@link EphemeraException} with a non-retryable code. */
    public static boolean mayRetry(Throwable t) {
        return !(t instanceof EphemeraException e) || retryable(e.code());
    }

    /**
     * The jittered wait before retry number {@code retry} (1 for the first retry): between half
     * and one and a half times {@code initial * 2^(retry-1)}, never above {@code maxBackoff}.
     */
    public Duration backoff(int retry) {
        return Duration.ofMillis(Math.min(maxBackoff.toMillis(), exponential().apply(Math.max(1, retry))));
    }

    IntervalFunction exponential() {
        return IntervalFunction.ofExponentialRandomBackoff(initialBackoff, 2.0, 0.5, maxBackoff);
    }
}
