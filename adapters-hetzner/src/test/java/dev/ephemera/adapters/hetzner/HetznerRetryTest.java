package dev.ephemera.adapters.hetzner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.retry.BoundedBody;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.retry.RetryPolicy;
import dev.ephemera.testkit.fake.hetzner.FakeHetzner;
import dev.ephemera.testkit.fake.vault.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How the Hetzner client retries, and what it never retries: against the spec-checking fake, with recorded waits. */
@DisplayName("The Hetzner client's retries")
class HetznerRetryTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
    private final RecordingSleeper sleeper = new RecordingSleeper();
    private FakeHetzner fake;

    private HetznerClient client(FakeHetzner f, HetznerClient.Options options) {
        return new HetznerClient(f.apiUrl(), Secret.of(f.token()), options, clock, sleeper);
    }

    @AfterEach
    void stop() {
        if (fake != null) {
            try {
                assertThat(fake.violations()).isEmpty();
            } finally {
                fake.close();
            }
        }
    }

    @Test
    @DisplayName("a 429 waits until RateLimit-Reset when the budget is back before one refill interval")
    void honoursRateLimitReset() {
        // 60 requests per hour: one request comes back per minute, but the reset is 20 s away.
        fake = FakeHetzner.start(FakeHetzner.Options.defaults().withClock(clock).withRateLimitPerHour(60));
        fake.rateLimitNext(1, Duration.ofSeconds(20));
        assertThat(client(fake, HetznerClient.Options.defaults()).locations()).isNotEmpty();
        assertThat(sleeper.waits()).singleElement()
                .satisfies(w -> assertThat(w).isBetween(Duration.ofSeconds(20), Duration.ofSeconds(21)));
    }

    @Test
    @DisplayName("a rate-limit wait longer than rate-limit-max-wait fails at once with RATE_LIMITED")
    void refusesLongRateLimitWaits() {
        fake = FakeHetzner.start(FakeHetzner.Options.defaults().withClock(clock).withRateLimitPerHour(60));
        fake.rateLimitNext(1, Duration.ofMinutes(30));
        HetznerClient c = client(fake, HetznerClient.Options.defaults().withRetry(HetznerClient.Options.defaultRetry(Duration.ofSeconds(30))));
        assertThatThrownBy(c::locations)
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED))
                .hasMessageContaining("hetzner.rate-limit-max-wait");
        assertThat(sleeper.waits()).isEmpty();
        assertThat(fake.requests()).hasSize(1);
    }

    @Test
    @DisplayName("retryable errors are retried at most the policy's attempts")
    void bounded() {
        fake = FakeHetzner.start(FakeHetzner.Options.defaults().withClock(clock));
        fake.failNext("GET", "/locations", "unavailable", 10);
        HetznerClient c = client(fake, HetznerClient.Options.defaults().withRetry(new RetryPolicy(3, Duration.ofMillis(10),
                Duration.ofMillis(100), Duration.ofMinutes(1))));
        assertThatThrownBy(c::locations)
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
        assertThat(fake.requests()).hasSize(3);
        assertThat(sleeper.waits()).hasSize(2);
        fake.failNext("GET", "/locations", "unavailable", 0);
    }

    @Test
    @DisplayName("an API without GET /primary_ips fails deletion at once with BACKEND, naming the endpoint")
    void missingEndpointIsNotRetried() {
        fake = FakeHetzner.start(FakeHetzner.Options.defaults().withClock(clock));
        fake.withoutEndpoint("GET", "/primary_ips");
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("token", fake.token());
        values.put("api-url", fake.apiUrl().toString());
        values.put("installation", "ci");
        HetznerSettings settings = HetznerSettings.from(new Settings("hetzner", values, Set.of("token")));
        HetznerClusterBackend backend = new HetznerClusterBackend(settings, clock, sleeper);
        assertThatThrownBy(() -> backend.destroy(ClusterId.of("pr-1")))
                .isInstanceOfSatisfying(HetznerApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.BACKEND);
                    assertThat(e.apiCode()).isEqualTo("not_found");
                })
                .hasMessageContaining("GET /v1/primary_ips")
                .hasMessageContaining("hetzner.api-url");
        assertThat(fake.requests().stream().filter(r -> r.startsWith("GET /v1/primary_ips")).count()).isEqualTo(1);
        assertThat(sleeper.waits()).isEmpty();
    }

    @Test
    @DisplayName("an answer larger than the limit is a BACKEND error; the default limit is 8 MiB")
    void responseSizeLimit() {
        fake = FakeHetzner.start(FakeHetzner.Options.defaults().withClock(clock));
        assertThat(HetznerClient.Options.defaults().maxResponseBytes()).isEqualTo(BoundedBody.DEFAULT_LIMIT).isEqualTo(8 << 20);
        HetznerClient small = client(fake, HetznerClient.Options.defaults().withMaxResponseBytes(512));
        assertThatThrownBy(small::serverTypes)
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND))
                .hasMessageContaining("the Hetzner API's answer to GET /v1/server_types is larger than 512 bytes");
        assertThat(fake.requests()).hasSize(1);
    }
}
