package dev.ephemera.retry;

import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Runs one logical call under a {@link RetryPolicy}. resilience4j-retry keeps the books (attempt
 * count, which results and errors are retried, the interval function); the waits go through a
 * {@link Sleeper} so tests see them without spending them.
 *
 * <p>The interval before a retry is the wait the server named for that answer, when
 * {@code serverWait} finds one ({@code Retry-After}, a rate-limit reset), with a little jitter on
 * top so many clients do not return in the same instant; otherwise the policy's jittered
 * exponential backoff. A named wait longer than {@link RetryPolicy#maxServerWait()} is not
 * waited: the run ends at once and {@link Outcome#refusedWait()} says how long it would have been.
 *
 * @param <T> what one attempt answers (an HTTP response, say)
 */
public final class Retrier<T> {
    /** One attempt; {@code attempt} is 1 for the first. */
    @FunctionalInterface
    public interface Attempt<T> {
        T run(int attempt) throws Exception;
    }

    private final String name;
    private final RetryPolicy policy;
    private final Predicate<T> retryOnResult;
    private final Predicate<Throwable> retryOnError;
    private final Function<T, Optional<Duration>> serverWait;
    private final Sleeper sleeper;

    private Retrier(Builder<T> b) {
        this.name = b.name;
        this.policy = b.policy;
        this.retryOnResult = b.retryOnResult;
        this.retryOnError = b.retryOnError;
        this.serverWait = b.serverWait;
        this.sleeper = b.sleeper;
    }

    public static <T> Builder<T> builder(String name, RetryPolicy policy) {
        return new Builder<>(name, policy);
    }

    public RetryPolicy policy() {
        return policy;
    }

    /**
     * Runs attempts until one answers a result that is not to be retried, an error that is not
     * to be retried is thrown, the attempts run out, or a named wait is too long. Never throws
     * the attempt's exception: the outcome holds it.
     *
     * @throws InterruptedException when interrupted during a wait
     */
    public Outcome<T> run(Attempt<T> attempt) throws InterruptedException {
        AtomicReference<Duration> refused = new AtomicReference<>();
        IntervalBiFunction<T> interval = (n, either) -> {
            if (either.isRight()) {
                Optional<Duration> named = serverWait.apply(either.get());
                if (named.isPresent()) {
                    if (named.get().compareTo(policy.maxServerWait()) > 0) {
                        refused.set(named.get());
                        return -1L;
                    }
                    return named.get().toMillis() + jitter(named.get());
                }
            }
            return policy.backoff(n).toMillis();
        };
        RetryConfig config = RetryConfig.<T>custom()
                .maxAttempts(policy.maxAttempts())
                .retryOnResult(retryOnResult)
                .retryOnException(e -> RetryPolicy.mayRetry(e) && retryOnError.test(e))
                .intervalBiFunction(interval)
                .failAfterMaxAttempts(false)
                .build();
        Retry.AsyncContext<T> context = Retry.of(name, config).asyncContext();
        for (int n = 1; ; n++) {
            T result;
            try {
                result = attempt.run(n);
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                long wait = context.onError(e);
                if (wait < 0) {
                    return new Outcome<>(Optional.empty(), Optional.of(e), n, Optional.ofNullable(refused.get()));
                }
                sleeper.sleep(Duration.ofMillis(wait));
                continue;
            }
            long wait = context.onResult(result);
            if (wait < 0) {
                context.onComplete();
                return new Outcome<>(Optional.ofNullable(result), Optional.empty(), n, Optional.ofNullable(refused.get()));
            }
            sleeper.sleep(Duration.ofMillis(wait));
        }
    }

    /** Up to a tenth of a named wait, at most a second. */
    private static long jitter(Duration named) {
        long bound = Math.min(1000, Math.max(1, named.toMillis() / 10));
        return java.util.concurrent.ThreadLocalRandom.current().nextLong(bound);
    }

    /**
     * How a run ended.
     *
     * @param value       the last attempt's result, if it answered one
     * @param error       the last attempt's exception, if it threw
     * @param attempts    attempts made, counting the first
     * @param refusedWait a wait the server named that was longer than the policy accepts, when that ended the run
     */
    public record Outcome<T>(Optional<T> value, Optional<Exception> error, int attempts, Optional<Duration> refusedWait) {
        public Outcome {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(refusedWait, "refusedWait");
            if (attempts < 1) {
                throw new IllegalArgumentException("an outcome follows at least one attempt");
            }
        }
    }

    public static final class Builder<T> {
        private final String name;
        private final RetryPolicy policy;
        private Predicate<T> retryOnResult = r -> false;
        private Predicate<Throwable> retryOnError = e -> false;
        private Function<T, Optional<Duration>> serverWait = r -> Optional.empty();
        private Sleeper sleeper = Sleeper.SYSTEM;

        private Builder(String name, RetryPolicy policy) {
            this.name = Objects.requireNonNull(name, "name");
            this.policy = Objects.requireNonNull(policy, "policy");
        }

        /** Which results are worth another attempt (a 503, say). */
        public Builder<T> retryOnResult(Predicate<T> p) {
            this.retryOnResult = Objects.requireNonNull(p);
            return this;
        }

        /** Which exceptions are worth another attempt; a non-retryable {@code EphemeraException} never is. */
        public Builder<T> retryOnError(Predicate<Throwable> p) {
            this.retryOnError = Objects.requireNonNull(p);
            return this;
        }

        /** The wait a result names, e.g. from {@code Retry-After}; see {@link ServerWait}. */
        public Builder<T> serverWait(Function<T, Optional<Duration>> f) {
            this.serverWait = Objects.requireNonNull(f);
            return this;
        }

        public Builder<T> sleeper(Sleeper s) {
            this.sleeper = Objects.requireNonNull(s);
            return this;
        }

        public Retrier<T> build() {
            return new Retrier<>(this);
        }
    }
}
