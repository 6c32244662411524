package dev.ephemera.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The shared retry policy")
class RetrierTest {
    private static final Instant NOW = Instant.parse("2026-01-01T10:00:00Z");
    private final List<Duration> waits = new CopyOnWriteArrayList<>();
    private final Sleeper recording = waits::add;

    /** An HTTP-ish answer: a status and headers. */
    record Answer(int status, Map<String, String> headers) {
    }

    private Retrier<Answer> http(RetryPolicy policy) {
        return Retrier.<Answer>builder("test", policy)
                .retryOnResult(a -> a.status() == 429 || a.status() >= 500)
                .retryOnError(e -> e instanceof IOException)
                .serverWait(a -> Optional.ofNullable(a.headers().get("Retry-After")).flatMap(v -> ServerWait.retryAfter(v, NOW))
                        .or(() -> Optional.ofNullable(a.headers().get("RateLimit-Reset")).flatMap(v -> ServerWait.untilEpochSecond(v, NOW))))
                .sleeper(recording)
                .build();
    }

    private static RetryPolicy policy(int attempts) {
        return new RetryPolicy(attempts, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofMinutes(1));
    }

    @Test
    @DisplayName("waits what Retry-After says, in seconds or as an HTTP date")
    void honoursRetryAfter() throws Exception {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(20).atOffset(ZoneOffset.UTC));
        List<Answer> answers = List.of(new Answer(429, Map.of("Retry-After", "7")), new Answer(503, Map.of("Retry-After", date)),
                new Answer(200, Map.of()));
        Retrier.Outcome<Answer> o = http(policy(5)).run(n -> answers.get(n - 1));
        assertThat(o.value()).get().extracting(Answer::status).isEqualTo(200);
        assertThat(o.attempts()).isEqualTo(3);
        assertThat(waits).hasSize(2);
        assertThat(waits.get(0)).isBetween(Duration.ofSeconds(7), Duration.ofMillis(7700));
        assertThat(waits.get(1)).isBetween(Duration.ofSeconds(20), Duration.ofSeconds(21));
    }

    @Test
    @DisplayName("waits until a RateLimit-Reset given as UNIX time")
    void honoursRateLimitReset() throws Exception {
        List<Answer> answers = List.of(new Answer(429, Map.of("RateLimit-Reset", Long.toString(NOW.getEpochSecond() + 30))),
                new Answer(200, Map.of()));
        Retrier.Outcome<Answer> o = http(policy(5)).run(n -> answers.get(n - 1));
        assertThat(o.attempts()).isEqualTo(2);
        assertThat(waits).singleElement().satisfies(w -> assertThat(w).isBetween(Duration.ofSeconds(30), Duration.ofSeconds(31)));
    }

    @Test
    @DisplayName("a named wait longer than the policy accepts ends the run at once, saying how long it was")
    void refusesLongWaits() throws Exception {
        Retrier.Outcome<Answer> o = http(policy(5)).run(n -> new Answer(429, Map.of("Retry-After", "3600")));
        assertThat(o.attempts()).isEqualTo(1);
        assertThat(o.refusedWait()).contains(Duration.ofHours(1));
        assertThat(waits).isEmpty();
    }

    @Test
    @DisplayName("makes at most maxAttempts attempts, with jittered exponential backoff under the cap")
    void boundedAttempts() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Retrier.Outcome<Answer> o = http(policy(6)).run(n -> {
            calls.incrementAndGet();
            return new Answer(503, Map.of());
        });
        assertThat(calls).hasValue(6);
        assertThat(o.attempts()).isEqualTo(6);
        assertThat(o.value()).get().extracting(Answer::status).isEqualTo(503);
        assertThat(waits).hasSize(5);
        assertThat(waits.get(0)).isBetween(Duration.ofMillis(50), Duration.ofMillis(150));
        assertThat(waits.get(1)).isBetween(Duration.ofMillis(100), Duration.ofMillis(300));
        assertThat(waits).allSatisfy(w -> assertThat(w).isLessThanOrEqualTo(Duration.ofSeconds(2)));
        waits.clear();
        Retrier.Outcome<Answer> failing = http(policy(3)).run(n -> {
            throw new IOException("connection reset");
        });
        assertThat(failing.attempts()).isEqualTo(3);
        assertThat(failing.error()).get().isInstanceOf(IOException.class);
        assertThat(waits).hasSize(2);
    }

    @Test
    @DisplayName("never retries a non-retryable error, whatever the caller's predicate says")
    void nonRetryableNotRetried() throws Exception {
        Retrier<String> r = Retrier.<String>builder("t", policy(5)).retryOnError(e -> true).sleeper(recording).build();
        AtomicInteger calls = new AtomicInteger();
        Retrier.Outcome<String> o = r.run(n -> {
            calls.incrementAndGet();
            throw EphemeraException.backend("GET /primary_ips answered 404", null);
        });
        assertThat(calls).hasValue(1);
        assertThat(o.error()).get().isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND));
        assertThat(waits).isEmpty();
        Retrier.Outcome<String> transient_ = r.run(n -> {
            if (n < 3) {
                throw EphemeraException.unavailable("503", null);
            }
            return "ok";
        });
        assertThat(transient_.value()).contains("ok");
        assertThat(waits).hasSize(2);
        Retrier.Outcome<Answer> ok = http(policy(5)).run(n -> new Answer(404, Map.of()));
        assertThat(ok.attempts()).isEqualTo(1);
    }

    @Test
    @DisplayName("backoff doubles from the initial wait and stays under the cap; the policy refuses nonsense bounds")
    void backoffShape() {
        RetryPolicy p = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ZERO);
        for (int i = 0; i < 50; i++) {
            assertThat(p.backoff(1)).isBetween(Duration.ofMillis(50), Duration.ofMillis(150));
            assertThat(p.backoff(3)).isBetween(Duration.ofMillis(200), Duration.ofMillis(600));
            assertThat(p.backoff(40)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
        }
        assertThatThrownBy(() -> new RetryPolicy(0, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetryPolicy(1, Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("parses Retry-After and UNIX resets; garbage is no wait, the past is zero")
    void parsing() {
        assertThat(ServerWait.retryAfter("120", NOW)).contains(Duration.ofMinutes(2));
        assertThat(ServerWait.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", NOW)).contains(Duration.ZERO);
        assertThat(ServerWait.retryAfter("soon", NOW)).isEmpty();
        assertThat(ServerWait.untilEpochSecond(Long.toString(NOW.getEpochSecond() - 5), NOW)).contains(Duration.ZERO);
        assertThat(ServerWait.untilEpochSecond("x", NOW)).isEmpty();
    }
}
